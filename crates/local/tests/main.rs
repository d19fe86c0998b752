//! Every integration test of the local cloud, in one test binary.
//!
//! Each file of `tests/` is a module here rather than a binary of its own: every binary
//! links the whole local cloud, and sixty of them took more disk and link time than all the
//! tests they held (`autotests = false` in Cargo.toml). Run one file's tests with its module
//! path as the filter: `cargo test -p orderly-local --test integration serve_cli::`.

mod fulfillment;
mod functionless;
mod limits_support;
mod repo_template;
mod serve_support;
mod sfn_support;

mod archive_engine;
mod archive_replay;
mod background;
mod chaos;
mod cli_demo;
mod closed_stdout;
mod console_api;
mod context_buses;
mod disk_tables_contract;
mod docs_examples;
mod event_envelope;
mod events_cli;
mod express;
mod function_wiring;
mod help_texts;
mod item_store_local;
mod kinesis_engine;
mod kinesis_limits;
mod lambda_event;
mod limits_events;
mod limits_sfn;
mod limits_sqs;
mod nested;
mod order_intake;
mod orderly_definition;
mod outbox;
mod pipes;
mod process_functions;
mod retention;
mod rule_policies;
mod sample_event_keys;
mod scaffold_consumer;
mod serve_archive_cli;
mod serve_cli;
mod serve_dynamodb_cli;
mod serve_dynamodb_sdk;
mod serve_dynamodb_streams_cli;
mod serve_http_api;
mod serve_insights_cli;
mod serve_kinesis_cli;
mod serve_layers;
mod serve_logs_script;
mod serve_metrics_cli;
mod serve_paging;
mod serve_patterns;
mod serve_scheduler_cli;
mod serve_scheduler_sdk;
mod serve_sdk;
mod serve_transport;
mod serve_wire;
mod shipment_quote;
mod sqs_invariants;
mod sqs_redrive;
mod sqs_semantics;
mod states_cli;
mod stream_lanes;
mod stream_mapping;
mod table_stream_mapping;
mod template_cli;
mod template_contract;
mod template_errors;
mod template_http_api;
mod template_intrinsics;
mod template_nested;
mod template_properties;
mod template_real;
mod template_schedules;
