//! `template.yaml` (SAM + CloudFormation) loaded into the typed model the runtime runs.

pub mod pseudo;
