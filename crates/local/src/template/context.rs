//! What every resource builder needs: the resolver and the ARNs of the stack's runnable
//! resources, so an ARN in a property becomes a logical id.

use std::collections::HashMap;
use std::path::PathBuf;

use super::error::TemplateError;
use super::model::{TargetKind, TargetRef};
use super::resolver::Resolver;

pub struct Context {
    pub resolver: Resolver,
    pub template_dir: PathBuf,
    arns: HashMap<String, TargetRef>,
    /// Event bus logical id by bus name.
    bus_ids: HashMap<String, String>,
}

impl Context {
    pub fn new(resolver: Resolver, template_dir: PathBuf) -> Self {
        Self {
            resolver,
            template_dir,
            arns: HashMap::new(),
            bus_ids: HashMap::new(),
        }
    }

    /// Records a runnable resource under its ARN.
    pub fn register(&mut self, kind: TargetKind, logical_id: &str, arn: String) {
        self.arns.insert(
            arn.clone(),
            TargetRef {
                kind,
                logical_id: logical_id.to_owned(),
                arn,
            },
        );
    }

    pub fn register_bus(&mut self, name: String, logical_id: &str) {
        self.bus_ids.insert(name, logical_id.to_owned());
    }

    pub fn bus_id(&self, name: &str) -> Option<String> {
        self.bus_ids.get(name).cloned()
    }

    /// The stack resource an ARN names; an ARN outside the stack, or of a kind the local
    /// cloud does not run, is unsupported.
    pub fn target(&self, arn: &str, at: &str) -> Result<TargetRef, TemplateError> {
        self.arns.get(arn).cloned().ok_or_else(|| {
            TemplateError::unsupported(
                at,
                format!(
                    "{arn} is not a queue, function, state machine, event bus or stream of this template"
                ),
            )
        })
    }

    /// Like `target`, and the resource must be of one of `kinds`.
    pub fn target_of(
        &self,
        arn: &str,
        kinds: &[TargetKind],
        at: &str,
    ) -> Result<TargetRef, TemplateError> {
        let target = self.target(arn, at)?;
        if kinds.contains(&target.kind) {
            Ok(target)
        } else {
            Err(TemplateError::unsupported(
                at,
                format!("{arn} is a {:?}; expected one of {kinds:?}", target.kind),
            ))
        }
    }
}
