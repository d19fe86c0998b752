//! Binary operators with JSONata's typing rules and error codes.

use std::rc::Rc;

use super::{Evaluator, Out};
use crate::jsonata::ast::{BinOp, Node};
use crate::jsonata::env::Scope;
use crate::jsonata::error::err;
use crate::jsonata::value::{V, deep_equal, stringify, truthy};

impl Evaluator {
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        left: &Node,
        right: &Node,
        ctx: &Option<V>,
        env: &Rc<Scope>,
    ) -> Out {
        match op {
            BinOp::And => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Some(V::Bool(l && truthy(&self.eval(right, ctx, env)?))));
            }
            BinOp::Or => {
                let l = truthy(&self.eval(left, ctx, env)?);
                return Ok(Some(V::Bool(l || truthy(&self.eval(right, ctx, env)?))));
            }
            _ => {}
        }
        let l = self.eval(left, ctx, env)?;
        let r = self.eval(right, ctx, env)?;
        let symbol = op.symbol();
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let number = |v: &Option<V>, code: &'static str, side: &str| match v {
                    None => Ok(None),
                    Some(V::Num(n)) => Ok(Some(*n)),
                    Some(_) => Err(err(
                        code,
                        &format!(
                            "The {side} side of the \"{symbol}\" operator must evaluate to a number"
                        ),
                    )),
                };
                let (a, b) = (number(&l, "T2001", "left")?, number(&r, "T2002", "right")?);
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                let n = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                if !n.is_finite() {
                    return Err(err("D1001", &format!("Number out of range: {n}")));
                }
                Ok(Some(V::Num(n)))
            }
            BinOp::Concat => {
                let text = |v: &Option<V>| v.as_ref().map(stringify).unwrap_or_default();
                Ok(Some(V::str(&(text(&l) + &text(&r)))))
            }
            BinOp::Eq | BinOp::Ne => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                let equal = deep_equal(a, b);
                Ok(Some(V::Bool(if op == BinOp::Eq { equal } else { !equal })))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable =
                    |v: &Option<V>| matches!(v, None | Some(V::Num(_)) | Some(V::Str(_)));
                if !comparable(&l) || !comparable(&r) {
                    return Err(err(
                        "T2010",
                        &format!(
                            "The expressions either side of operator \"{symbol}\" must evaluate to numeric or string values"
                        ),
                    ));
                }
                let ordering = match (&l, &r) {
                    (Some(V::Num(a)), Some(V::Num(b))) => a.partial_cmp(b),
                    (Some(V::Str(a)), Some(V::Str(b))) => Some(a.cmp(b)),
                    (None, _) | (_, None) => return Ok(None),
                    _ => {
                        return Err(err(
                            "T2009",
                            &format!(
                                "The values {} and {} either side of operator \"{symbol}\" must be of the same data type",
                                l.as_ref().map(stringify).unwrap_or_default(),
                                r.as_ref().map(stringify).unwrap_or_default()
                            ),
                        ));
                    }
                };
                let Some(ordering) = ordering else {
                    return Ok(Some(V::Bool(false)));
                };
                Ok(Some(V::Bool(match op {
                    BinOp::Lt => ordering.is_lt(),
                    BinOp::Le => ordering.is_le(),
                    BinOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                })))
            }
            BinOp::In => {
                let (Some(a), Some(b)) = (&l, &r) else {
                    return Ok(Some(V::Bool(false)));
                };
                Ok(Some(V::Bool(
                    b.items().iter().any(|item| deep_equal(a, item)),
                )))
            }
            BinOp::And | BinOp::Or => Ok(None),
        }
    }
}
