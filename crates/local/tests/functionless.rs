//! A small template of buses, rules and queues, written out and started with no function
//! to run: what the bus and policy tests build their topologies from.

use orderly_local::runtime::lambda::LocalHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::template;
use std::sync::Arc;

/// Refuses every function: these templates have none.
struct NoFunctions;

impl HandlerFactory for NoFunctions {
    fn build(&self, f: &template::Function, _: &World) -> Result<Arc<dyn LocalHandler>, String> {
        Err(format!("{} is not expected here", f.logical_id))
    }
}

/// `yaml` written to a directory of its own and running; the directory lives as long as
/// the returned handle.
pub fn start(yaml: &str) -> (LocalCloud, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, yaml).expect("the template");
    let cloud = LocalCloud::start(CloudOptions::new(path), Arc::new(NoFunctions))
        .expect("the template starts");
    (cloud, dir)
}
