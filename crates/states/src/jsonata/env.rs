//! Variable scopes. A block or a function call opens a scope whose parent is where it was
//! written, so closures see the variables around their definition.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::value::V;

#[derive(Debug, Default)]
pub struct Scope {
    vars: RefCell<HashMap<String, V>>,
    parent: Option<Rc<Scope>>,
}

impl Scope {
    pub fn root(vars: HashMap<String, V>) -> Rc<Scope> {
        Rc::new(Scope {
            vars: RefCell::new(vars),
            parent: None,
        })
    }

    pub fn child(parent: &Rc<Scope>) -> Rc<Scope> {
        Rc::new(Scope {
            vars: RefCell::default(),
            parent: Some(Rc::clone(parent)),
        })
    }

    pub fn bind(&self, name: &str, value: V) {
        self.vars.borrow_mut().insert(name.to_string(), value);
    }

    pub fn lookup(&self, name: &str) -> Option<V> {
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }

    /// Drops every binding, so closures that captured this scope (and are bound in it)
    /// do not keep each other alive after evaluation.
    pub fn clear(&self) {
        self.vars.borrow_mut().clear();
    }
}
