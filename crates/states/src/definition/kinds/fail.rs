//! Fail: an `Error` and a `Cause`, each fixed, from a path, an intrinsic function or a
//! JSONata expression.

use crate::definition::fields::Cx;
use crate::definition::model::{DynamicText, Kind, QueryLanguage};
use crate::jsonata_template::expression_of;

/// Reads a Fail state's `Error` / `ErrorPath` and `Cause` / `CausePath`.
pub(in crate::definition) fn parse_fail(cx: &mut Cx<'_>) -> Option<Kind> {
    let text_field = |cx: &mut Cx<'_>, field: &str, path_field: &str| -> Option<DynamicText> {
        let fixed = cx.obj.get(field);
        let path = cx.obj.get(path_field);
        if fixed.is_some() && path.is_some() {
            cx.bad(
                field,
                format!("The fields '{field}' and '{path_field}' cannot both be set"),
            );
            return None;
        }
        if let Some(p) = path {
            let p = p.as_str()?.to_owned();
            if crate::intrinsics::is_intrinsic(&p) {
                return match crate::intrinsics::Intrinsic::parse(&p) {
                    Ok(expr) => Some(DynamicText::Intrinsic(expr)),
                    Err(e) => {
                        cx.bad(path_field, format!("The value for the field '{path_field}' must be a valid intrinsic function call: {}", e.message));
                        None
                    }
                };
            }
            return cx.value_path(path_field, &p).map(DynamicText::Path);
        }
        let v = fixed?;
        match v.as_str() {
            Some(s) if cx.ql == QueryLanguage::Jsonata && expression_of(s).is_some() => {
                cx.compile_jsonata(v).map(DynamicText::Jsonata)
            }
            Some(s) => Some(DynamicText::Fixed(s.to_owned())),
            None => {
                cx.bad(
                    field,
                    format!("The value for the field '{field}' must be a STRING"),
                );
                None
            }
        }
    };
    let error = text_field(cx, "Error", "ErrorPath");
    let cause = text_field(cx, "Cause", "CausePath");
    Some(Kind::Fail { error, cause })
}
