//! The functions Step Functions adds to JSONata, and `$error` / `$assert`.

use serde_json::Value;

use super::Args;
use crate::intrinsics::{self, Function};
use crate::jsonata::error::{ErrorKind, JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

pub fn call(name: &str, args: &Args<'_>) -> Out {
    match name {
        // The array, hash and UUID additions are the intrinsics under another name, with
        // the same checks.
        "partition" => intrinsic(Function::ArrayPartition, &[args.get(0), args.get(1)]),
        // A range is a JSONata sequence: one number alone is that number (recorded on
        // AWS: `$range(1, 9, 9)` is `1`).
        "range" => intrinsic(
            Function::ArrayRange,
            &[args.get(0), args.get(1), args.get(2)],
        )
        .map(|v| match v {
            Some(V::Array(items, _)) if items.len() == 1 => items.first().cloned(),
            other => other,
        }),
        "hash" => intrinsic(Function::Hash, &[args.get(0), args.get(1)]),
        "uuid" => intrinsic(Function::Uuid, &[]),
        "random" => match args.get(0) {
            // Unseeded: a float in [0, 1), like JSONata's own `$random()`.
            None => Ok(Some(V::Num(rand::random::<f64>()))),
            Some(V::Num(seed)) => {
                let seed = *seed as i64;
                Ok(Some(V::Num(seeded_unit(seed))))
            }
            Some(_) => Err(args.mismatch(0)),
        },
        "parse" => {
            let Some(text) = args.string(0)? else {
                return Ok(None);
            };
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| err("D3140", &format!("Unable to parse JSON: {e}")))?;
            Ok(Some(V::from_json(&value)))
        }
        "error" => {
            let message = args.string(0)?.map_or_else(
                || "$error() function evaluated".to_string(),
                |s| s.to_string(),
            );
            Err(err("D3137", &message))
        }
        "assert" => {
            let condition = match args.get(0) {
                Some(V::Bool(b)) => *b,
                _ => return Err(args.mismatch(0)),
            };
            if condition {
                Ok(None)
            } else {
                let message = args.string(1)?.map_or_else(
                    || "$assert() statement failed".to_string(),
                    |s| s.to_string(),
                );
                Err(err("D3141", &message))
            }
        }
        _ => Ok(None),
    }
}

/// Runs an intrinsic with JSON arguments; its "Invalid arguments" failure becomes a
/// JSONata error with the same text. Arguments stop at the first undefined one.
fn intrinsic(function: Function, args: &[Option<&V>]) -> Out {
    let mut json = Vec::with_capacity(args.len());
    for arg in args.iter().map_while(|a| *a) {
        json.push(arg.to_json().ok_or_else(|| {
            JsonataError::new(
                ErrorKind::Function,
                format!("Invalid arguments in {}", function.name()),
            )
        })?);
    }
    intrinsics::call(function, json)
        .map(|v| Some(V::from_json(&v)))
        .map_err(|e| JsonataError::new(ErrorKind::Function, e.message))
}

/// A deterministic value in [0, 1) for a seed (SplitMix64 finaliser over the seed).
fn seeded_unit(seed: i64) -> f64 {
    let mut z = (seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}
