//! An Amazon States Language interpreter.

pub mod intrinsics;
pub mod jsonata;
