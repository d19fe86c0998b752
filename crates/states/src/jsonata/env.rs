//! Variable scopes. A block or a function call opens a scope whose parent is where it was
//! written, so closures see the variables around their definition.
//!
//! The root scope holds the expression's free variables, by name. Every other scope holds
//! the few names a block assigns or a function call binds, in a list: a call binds its
//! parameters on every call, and sharing the names the syntax tree already holds
//! (`Arc<str>`) and scanning a handful of them costs less than hashing each into a map
//! with a key of its own: 4 % of an order-intake execution (docs/performance-states.md).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::value::{V, Vars};

#[derive(Debug, Default)]
pub struct Scope {
    /// The root's variables; empty in the scopes below it.
    vars: RefCell<Vars>,
    /// A block's or a call's bindings, each name once.
    local: RefCell<Vec<(Arc<str>, V)>>,
    parent: Option<Rc<Scope>>,
}

impl Scope {
    pub fn root(vars: Vars) -> Rc<Scope> {
        Rc::new(Scope {
            vars: RefCell::new(vars),
            local: RefCell::default(),
            parent: None,
        })
    }

    pub fn child(parent: &Rc<Scope>) -> Rc<Scope> {
        Rc::new(Scope {
            vars: RefCell::default(),
            local: RefCell::default(),
            parent: Some(Rc::clone(parent)),
        })
    }

    /// Binds `name` here, replacing what this scope bound to it before.
    pub fn bind(&self, name: &Arc<str>, value: V) {
        let mut local = self.local.borrow_mut();
        match local.iter_mut().find(|(bound, _)| **bound == **name) {
            Some((_, slot)) => *slot = value,
            None => local.push((Arc::clone(name), value)),
        }
    }

    pub fn lookup(&self, name: &str) -> Option<V> {
        if let Some((_, v)) = self
            .local
            .borrow()
            .iter()
            .find(|(bound, _)| &**bound == name)
        {
            return Some(v.clone());
        }
        if let Some(v) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }

    /// Drops every binding, so closures that captured this scope (and are bound in it)
    /// do not keep each other alive after evaluation.
    pub fn clear(&self) {
        self.vars.borrow_mut().clear();
        self.local.borrow_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inner_binding_shadows_and_a_rebinding_replaces() {
        let mut vars = Vars::default();
        vars.insert("x".to_owned(), V::Num(1.0));
        let root = Scope::root(vars);
        let inner = Scope::child(&root);
        let x: Arc<str> = Arc::from("x");
        assert!(matches!(inner.lookup("x"), Some(V::Num(n)) if n == 1.0));
        inner.bind(&x, V::Num(2.0));
        inner.bind(&x, V::Num(3.0));
        assert!(matches!(inner.lookup("x"), Some(V::Num(n)) if n == 3.0));
        assert_eq!(inner.local.borrow().len(), 1);
        assert!(matches!(root.lookup("x"), Some(V::Num(n)) if n == 1.0));
        assert!(inner.lookup("y").is_none());
    }
}
