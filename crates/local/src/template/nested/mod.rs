//! Nested applications (`AWS::Serverless::Application` whose `Location` is a template file
//! beside this one), inlined into the template before it is built: each resource of the
//! child becomes a resource of the parent under the application's logical id and its own
//! (`Shipping` + `Queue` → `ShippingQueue`), with the child's parameters bound
//! to the values the application passes, and each `!GetAtt App.Outputs.Name` of the parent
//! replaced by that output's value. On AWS the child is a stack of its own; here its
//! resources run beside the parent's, so a queue of a consumer unit is a queue like any
//! other.
//!
//! `AWS::StackName` in the child names the child stack, as on AWS: the parent's stack name
//! and the application's id (AWS adds a random suffix). The child's conditions and
//! mappings are renamed like its resources; an application's `Condition` holds for each
//! of its resources, and its `DependsOn` is each one's. The parent's `Globals` reach the
//! inlined resources, which on AWS they do not: a child with SAM resources of the types
//! Globals set would differ (the units of `units/` have none).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::error::TemplateError;
use super::yaml;

mod outputs;
mod rewrite;

use outputs::replace_outputs;

/// The resource type of a nested application.
pub const APPLICATION: &str = "AWS::Serverless::Application";

/// How deep applications may nest, as CloudFormation's nested stacks may.
const MAX_DEPTH: usize = 5;

/// `document` with every nested application inlined; unchanged when it has none.
pub fn inline(document: &Value, dir: &Path) -> Result<Value, TemplateError> {
    inline_at(document, dir, 0)
}

fn inline_at(document: &Value, dir: &Path, depth: usize) -> Result<Value, TemplateError> {
    let Some(resources) = document.get("Resources").and_then(Value::as_object) else {
        return Ok(document.clone());
    };
    let apps: Vec<String> = resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(APPLICATION))
        .map(|(id, _)| id.clone())
        .collect();
    if apps.is_empty() {
        return Ok(document.clone());
    }
    if depth >= MAX_DEPTH {
        return Err(TemplateError::unsupported(
            format!("{}.Type", apps[0]),
            format!("applications nested more than {MAX_DEPTH} deep"),
        ));
    }
    let mut parent = document.as_object().cloned().unwrap_or_default();
    let mut outputs: BTreeMap<(String, String), Value> = BTreeMap::new();
    if let Some(Value::Object(own)) = parent.get_mut("Resources") {
        own.retain(|id, _| !apps.contains(id));
    }
    // A unit used by several applications is read and inlined once.
    let mut read = BTreeMap::new();
    for app in &apps {
        let child = Child::load(app, &resources[app], dir, depth, &mut read)?;
        child.merge_into(&mut parent, &mut outputs)?;
    }
    // The parent's references to the applications: their outputs, and DependsOn.
    let mut rewritten = Value::Object(parent);
    replace_outputs(&mut rewritten, &outputs, &apps)?;
    Ok(rewritten)
}

/// One application's child template, rewritten for the parent.
struct Child {
    app: String,
    document: Map<String, Value>,
    /// The child's parameters, by name: the value the application passes, or the default.
    parameters: BTreeMap<String, Value>,
    /// The child's resource, condition and mapping names, which get the app's prefix.
    resources: Vec<String>,
    conditions: Vec<String>,
    mappings: Vec<String>,
    /// The application's own `Condition` and `DependsOn`.
    condition: Option<String>,
    depends_on: Vec<Value>,
}

impl Child {
    /// The child of application `app`; `read` holds the templates read so far, by path.
    fn load(
        app: &str,
        resource: &Value,
        dir: &Path,
        depth: usize,
        read: &mut BTreeMap<PathBuf, Map<String, Value>>,
    ) -> Result<Self, TemplateError> {
        let props = resource.get("Properties").cloned().unwrap_or(json!({}));
        let location = match props.get("Location") {
            Some(Value::String(path)) => path.clone(),
            Some(Value::Object(_)) => {
                return Err(TemplateError::unsupported(
                    format!("{app}.Properties.Location"),
                    "an application of the Serverless Application Repository: the local \
                     cloud inlines a template file beside this one",
                ));
            }
            _ => {
                return Err(TemplateError::invalid(
                    format!("{app}.Properties.Location"),
                    "must be the path of a template file",
                ));
            }
        };
        let path = dir.join(&location);
        let document = match read.get(&path) {
            Some(document) => document.clone(),
            None => {
                let text = read_template(&path, &format!("{app}.Properties.Location"))?;
                let child_dir = path.parent().unwrap_or(dir).to_path_buf();
                let parsed = yaml::parse_at(&text, &path)?;
                let document = inline_at(&parsed, &child_dir, depth + 1)?
                    .as_object()
                    .cloned()
                    .ok_or_else(|| {
                        TemplateError::invalid(
                            format!("{app}.Properties.Location"),
                            "not a template",
                        )
                    })?;
                read.insert(path.clone(), document.clone());
                document
            }
        };
        if document.contains_key("Globals") {
            return Err(TemplateError::unsupported(
                format!("{location}: Globals"),
                "Globals in a nested application's template",
            ));
        }
        let given = props
            .get("Parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let declared = document
            .get("Parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(unknown) = given.keys().find(|k| !declared.contains_key(*k)) {
            return Err(TemplateError::invalid(
                format!("{app}.Properties.Parameters.{unknown}"),
                format!("{location} declares no parameter {unknown}"),
            ));
        }
        let mut parameters = BTreeMap::new();
        for (name, declaration) in &declared {
            let value = match (given.get(name), declaration.get("Default")) {
                (Some(value), _) => value.clone(),
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    return Err(TemplateError::Parameter {
                        name: format!("{app}.{name}"),
                        message: format!("{app} gives no value and {location} no Default"),
                    });
                }
            };
            check_allowed(app, name, &value, declaration)?;
            parameters.insert(name.clone(), value);
        }
        let names = |section: &str| -> Vec<String> {
            document
                .get(section)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        Ok(Self {
            app: app.to_owned(),
            resources: names("Resources"),
            conditions: names("Conditions"),
            mappings: names("Mappings"),
            document,
            parameters,
            condition: resource
                .get("Condition")
                .and_then(Value::as_str)
                .map(str::to_owned),
            depends_on: match resource.get("DependsOn") {
                Some(Value::Array(ids)) => ids.clone(),
                Some(id @ Value::String(_)) => vec![id.clone()],
                _ => Vec::new(),
            },
        })
    }

    fn prefixed(&self, name: &str) -> String {
        format!("{}{name}", self.app)
    }

    /// Adds the child's resources, conditions and mappings to `parent` under their new
    /// names, and its outputs' values to `outputs`.
    fn merge_into(
        &self,
        parent: &mut Map<String, Value>,
        outputs: &mut BTreeMap<(String, String), Value>,
    ) -> Result<(), TemplateError> {
        let mut add = |section: &str, name: String, value: Value| -> Result<(), TemplateError> {
            let entries = parent
                .entry(section.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(entries) = entries.as_object_mut() else {
                return Err(TemplateError::invalid(section, "must be a mapping"));
            };
            if entries.contains_key(&name) {
                return Err(TemplateError::invalid(
                    format!("{}.Properties.Location", self.app),
                    format!("its {name} is already a name in {section} of the template"),
                ));
            }
            entries.insert(name, value);
            Ok(())
        };
        for (section, names) in [
            ("Conditions", &self.conditions),
            ("Mappings", &self.mappings),
        ] {
            for name in names {
                let value = self.document[section][name].clone();
                let value = if section == "Conditions" {
                    self.rewrite(&value)?
                } else {
                    value
                };
                add(section, self.prefixed(name), value)?;
            }
        }
        for name in &self.resources {
            let mut resource = self.rewrite(&self.document["Resources"][name])?;
            if let Some(object) = resource.as_object_mut() {
                self.scope_resource(object, &mut add)?;
            }
            add("Resources", self.prefixed(name), resource)?;
        }
        if let Some(declared) = self.document.get("Outputs").and_then(Value::as_object) {
            for (name, output) in declared {
                let value = output.get("Value").cloned().unwrap_or(Value::Null);
                outputs.insert((self.app.clone(), name.clone()), self.rewrite(&value)?);
            }
        }
        Ok(())
    }

    /// The application's condition and dependencies, on one of its resources.
    fn scope_resource(
        &self,
        resource: &mut Map<String, Value>,
        add: &mut impl FnMut(&str, String, Value) -> Result<(), TemplateError>,
    ) -> Result<(), TemplateError> {
        if let Some(app_condition) = &self.condition {
            let condition = match resource.get("Condition").and_then(Value::as_str) {
                None => app_condition.clone(),
                Some(own) => {
                    // Both must hold: a condition of the two, once per resource condition.
                    let both = format!("{own}And{app_condition}");
                    let _ = add(
                        "Conditions",
                        both.clone(),
                        json!({"Fn::And": [{"Condition": own}, {"Condition": app_condition}]}),
                    );
                    both
                }
            };
            resource.insert("Condition".into(), Value::String(condition));
        }
        if !self.depends_on.is_empty() {
            let mut all = match resource.remove("DependsOn") {
                Some(Value::Array(ids)) => ids,
                Some(id @ Value::String(_)) => vec![id],
                _ => Vec::new(),
            };
            all.extend(self.depends_on.iter().cloned());
            resource.insert("DependsOn".into(), Value::Array(all));
        }
        Ok(())
    }
}

/// The largest template CloudFormation takes from S3, where `sam deploy` puts a nested
/// application's: 1 MB.
const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// The text of the template file at `path`: a regular file of at most
/// [`MAX_TEMPLATE_BYTES`], so a `Location` naming a device or a huge file is refused
/// rather than read without end.
fn read_template(path: &Path, at: &str) -> Result<String, TemplateError> {
    use std::io::Read;
    let io = |source| TemplateError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(TemplateError::invalid(
            at,
            format!("{} is not a file", path.display()),
        ));
    }
    let mut text = String::new();
    file.take(MAX_TEMPLATE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::invalid(
            at,
            format!(
                "{} is larger than the {MAX_TEMPLATE_BYTES} bytes of a nested template",
                path.display()
            ),
        ));
    }
    Ok(text)
}

/// Refuses a literal value its declaration's `AllowedValues` does not list.
fn check_allowed(
    app: &str,
    name: &str,
    value: &Value,
    declaration: &Value,
) -> Result<(), TemplateError> {
    let Some(allowed) = declaration.get("AllowedValues").and_then(Value::as_array) else {
        return Ok(());
    };
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Ok(()),
    };
    let listed = allowed.iter().any(|a| match a {
        Value::String(s) => *s == text,
        Value::Number(n) => n.to_string() == text,
        _ => false,
    });
    if listed {
        Ok(())
    } else {
        Err(TemplateError::Parameter {
            name: format!("{app}.{name}"),
            message: format!("{text} is not one of its AllowedValues"),
        })
    }
}

/// The resource and attribute of a `Fn::GetAtt`, in its list or dotted form; `None` for
/// another shape.
fn get_att_parts(arg: &Value) -> Option<(String, Value)> {
    match arg {
        Value::Array(parts) => Some((
            parts.first().and_then(Value::as_str)?.to_owned(),
            parts.get(1).cloned().unwrap_or(Value::Null),
        )),
        Value::String(dotted) => Some(match dotted.split_once('.') {
            Some((resource, attribute)) => (resource.to_owned(), Value::String(attribute.into())),
            None => (dotted.clone(), Value::Null),
        }),
        _ => None,
    }
}

/// `text` as literal text of a `Fn::Sub`: a value is a value, so a `${` in it is written
/// `${!`, which Sub turns back into `${` rather than reading a placeholder.
fn literal(text: &str) -> String {
    text.replace("${", "${!")
}

/// The text of a `Fn::Sub` and its variables (none in the one-string form); `None` for a
/// shape that is not a Sub's.
fn sub_parts(arg: &Value) -> Option<(String, Map<String, Value>)> {
    match arg {
        Value::String(text) => Some((text.clone(), Map::new())),
        Value::Array(parts) => Some((
            parts.first().and_then(Value::as_str)?.to_owned(),
            parts
                .get(1)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        )),
        _ => None,
    }
}

/// `text` with each `${…}` placeholder written by `place` (given what is between the
/// braces); the text around them is copied, and an unclosed `${` is kept as it is.
fn each_placeholder(
    text: &str,
    mut place: impl FnMut(&str, &mut String) -> Result<(), TemplateError>,
) -> Result<String, TemplateError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        place(&after[..end], &mut out)?;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
