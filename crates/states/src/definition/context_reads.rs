//! Which parts of the context object a state reads, decided once from its text.

/// Whether a state's text may read the execution input through the context object
/// (`$$.Execution.Input`, `$states.context.Execution.Input`, or a whole `$$`,
/// `$$.Execution`): copying the input into every context object is the costly part of
/// building it. Any reference that is not plainly to another part counts as a read.
pub(super) fn reads_execution_input(text: &str) -> bool {
    const OTHER_PARTS: [&str; 4] = [".State", ".Map", ".Task", ".StateMachine"];
    ["$$", "$states.context"].iter().any(|root| {
        text.match_indices(root).any(|(at, _)| {
            let rest = &text[at + root.len()..];
            if OTHER_PARTS.iter().any(|part| {
                rest.strip_prefix(part)
                    .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
            }) {
                return false;
            }
            match rest.strip_prefix(".Execution.") {
                // `$$.Execution.Id`, `.Name`, `.StartTime`, ...: not the input; a
                // wildcard or a function over the object (`.*`, `.$each`) may be.
                Some(field) => {
                    !field.starts_with(|c: char| c.is_ascii_uppercase())
                        || field.starts_with("Input")
                }
                None => true,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::reads_execution_input;

    #[test]
    fn only_references_that_may_reach_the_input_count() {
        let cases = [
            ("$$.Execution.Id", false),
            ("$$.Execution.Name", false),
            ("$$.State.EnteredTime", false),
            ("$$.Map.Item.Value.sku", false),
            ("$$.Task.Token", false),
            ("$$.StateMachine.Id", false),
            ("{% $states.context.Execution.StartTime %}", false),
            ("$$.Execution.Input.orderId", true),
            ("$$.Execution.Input", true),
            ("$$.Execution", true),
            ("$$", true),
            ("{% $states.context %}", true),
            ("{% $states.context.Execution.Input.x %}", true),
            ("$$.States.Odd", true),
            ("$$.Execution.Id and $$.Execution.Input", true),
            ("$$.Execution.*", true),
            (
                "{% $states.context.Execution.$each(function($v) { $v }) %}",
                true,
            ),
            ("$$.Execution['Input']", true),
            ("no context at all", false),
        ];
        for (text, want) in cases {
            assert_eq!(reads_execution_input(text), want, "{text}");
        }
    }
}
