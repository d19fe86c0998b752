//! Properties of intrinsic resolution over generated inputs: `Fn::Sub` is plain text
//! replacement in both forms, `Fn::Join` undoes `Fn::Split`, and definition substitution
//! leaves none of its keys behind.

use std::collections::BTreeMap;
use std::path::Path;

use orderly_local::template::{LoadOptions, load_str, substitute};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.:/@#-]{0,12}"
}

fn output(expression: &str, parameter: &str) -> Result<String, String> {
    let template = format!(
        "Parameters:\n  P:\n    Type: String\n    Default: {}\nResources: {{}}\nOutputs:\n  V:\n    Value: {expression}\n",
        serde_json::to_string(parameter).unwrap()
    );
    load_str(&template, Path::new("."), &LoadOptions::default())
        .map(|m| m.outputs["V"].clone())
        .map_err(|e| e.to_string())
}

proptest! {
    #[test]
    fn sub_replaces_each_variable_with_its_value(
        chunks in prop::collection::vec(text(), 1..5),
        value in text(),
        local in text(),
    ) {
        // chunk ${P} chunk ${L} chunk …, alternating a parameter and a Sub variable.
        let mut source = String::new();
        let mut expected = String::new();
        for (i, chunk) in chunks.iter().enumerate() {
            source.push_str(chunk);
            expected.push_str(chunk);
            if i + 1 < chunks.len() {
                let (var, v) = if i % 2 == 0 { ("P", &value) } else { ("L", &local) };
                source.push_str(&format!("${{{var}}}"));
                expected.push_str(v);
            }
        }
        let source = serde_json::to_string(&source).unwrap();
        let local = serde_json::to_string(&local).unwrap();
        let short = output(&format!("!Sub [{source}, {{L: {local}}}]"), &value);
        let long = output(&format!("{{\"Fn::Sub\": [{source}, {{L: {local}}}]}}"), &value);
        prop_assert_eq!(short.as_deref(), Ok(expected.as_str()));
        prop_assert_eq!(long, short);
    }

    #[test]
    fn join_undoes_split(source in text(), delimiter in "[,;|/-]{1,2}") {
        let source_json = serde_json::to_string(&source).unwrap();
        let delimiter_json = serde_json::to_string(&delimiter).unwrap();
        let got = output(
            &format!("!Join [{delimiter_json}, !Split [{delimiter_json}, {source_json}]]"),
            "",
        );
        prop_assert_eq!(got, Ok(source));
    }

    #[test]
    fn substitution_leaves_none_of_its_keys(
        pieces in prop::collection::vec((text(), "[A-Z][a-zA-Z]{0,6}"), 0..6),
        values in prop::collection::vec(text(), 6),
    ) {
        let keys: Vec<&String> = pieces.iter().map(|(_, k)| k).collect();
        let substitutions: BTreeMap<String, String> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| ((*k).clone(), v.clone()))
            .collect();
        let mut definition = String::new();
        for (literal, key) in &pieces {
            definition.push_str(literal);
            definition.push_str(&format!("${{{key}}}"));
        }
        let out = substitute(&definition, &substitutions);
        for key in substitutions.keys() {
            let placeholder = format!("${{{key}}}");
            prop_assert!(!out.contains(&placeholder), "{} left in {}", placeholder, out);
        }
    }
}
