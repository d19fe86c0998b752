//! `orderly template …`: what `template.yaml` declares, read by the one loader the local
//! cloud runs on, so scripts ask the binary instead of reading the YAML themselves.

use clap::{Args, Subcommand};
use orderly_local::template::{self, LoadOptions, Model};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct TemplateArgs {
    #[command(subcommand)]
    command: TemplateCommand,
}

#[derive(Subcommand)]
enum TemplateCommand {
    /// Lists the functions, one a line.
    ///
    /// Tab-separated: the directory under `functions/` (the name scripts/logs takes), the
    /// logical id, the log group as the local stack `orderly` names it, and the CodeUri.
    Functions(ListArgs),
    /// Lists the state machines, one a line.
    ///
    /// Tab-separated: the logical id, the name as the local stack `orderly` names it, the
    /// DefinitionUri (`-` when inline), and the log group its logging configuration names
    /// (`-` without one).
    StateMachines(ListArgs),
}

#[derive(Args)]
struct ListArgs {
    /// The SAM template.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Print a JSON array of objects instead of tab-separated lines.
    #[arg(long)]
    json: bool,
}

/// Exit status when the template cannot be loaded.
const INVALID_TEMPLATE: u8 = 2;

pub fn run(args: TemplateArgs) -> ExitCode {
    let (list, rows): (&ListArgs, fn(&Model) -> Vec<Row>) = match &args.command {
        TemplateCommand::Functions(list) => (list, function_rows),
        TemplateCommand::StateMachines(list) => (list, state_machine_rows),
    };
    let model = match template::load(&list.template, &LoadOptions::default()) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("{}: {e}", list.template.display());
            return ExitCode::from(INVALID_TEMPLATE);
        }
    };
    let rows = rows(&model);
    let text = if list.json {
        let objects: Vec<Value> = rows.iter().map(|row| row.json.clone()).collect();
        format!("{:#}\n", Value::Array(objects))
    } else {
        rows.iter()
            .map(|row| format!("{}\n", row.columns.join("\t")))
            .collect()
    };
    // A closed pipe (`orderly template functions | head -n1`) ends the process by SIGPIPE
    // here (orderly_local::stdout); another write error leaves nothing to do.
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// One resource: its tab-separated columns and its JSON object.
struct Row {
    columns: Vec<String>,
    json: Value,
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn function_rows(model: &Model) -> Vec<Row> {
    model
        .functions
        .values()
        .map(|f| {
            let name = f
                .code_uri
                .file_name()
                .map_or_else(|| f.binary.clone(), |n| n.to_string_lossy().into_owned());
            let code_uri = path_text(&f.code_uri);
            Row {
                columns: vec![
                    name.clone(),
                    f.logical_id.clone(),
                    f.log_group.clone(),
                    code_uri.clone(),
                ],
                json: json!({
                    "name": name,
                    "logicalId": f.logical_id,
                    "functionName": f.name,
                    "binary": f.binary,
                    "codeUri": code_uri,
                    "logGroup": f.log_group,
                }),
            }
        })
        .collect()
}

fn state_machine_rows(model: &Model) -> Vec<Row> {
    model
        .state_machines
        .values()
        .map(|m| {
            let uri = m.definition_uri.as_deref().map(path_text);
            Row {
                columns: vec![
                    m.logical_id.clone(),
                    m.name.clone(),
                    uri.clone().unwrap_or_else(|| "-".to_owned()),
                    m.log_group.clone().unwrap_or_else(|| "-".to_owned()),
                ],
                json: json!({
                    "logicalId": m.logical_id,
                    "name": m.name,
                    "definitionUri": uri,
                    "logGroup": m.log_group,
                }),
            }
        })
        .collect()
}
