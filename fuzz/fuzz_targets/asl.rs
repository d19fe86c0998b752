//! Amazon States Language definitions, as CreateStateMachine checks them: any text either
//! parses or is refused with the reasons, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_states::StateMachine;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(machine) = StateMachine::parse(text) {
        // What a parsed machine answers about itself must hold no surprises either.
        let _ = (
            machine.comment(),
            machine.query_language(),
            machine.timeout_seconds(),
        );
        assert!(
            machine.state_names().count() > 0,
            "a machine with no states: {text}"
        );
    }
});
