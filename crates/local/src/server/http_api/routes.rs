//! The routes of the stack's HTTP APIs and API Gateway's choice among them for a request:
//! a route whose path and method match exactly comes first, then path variables
//! (`/orders/{id}`), then greedy ones (`/files/{proxy+}`), then the API's `$default` route;
//! a route of the request's method comes before an `ANY` route of the same path.

use crate::template::{Model, RouteAuth};
use std::collections::BTreeMap;

/// One route as served: its API, its key, its function and how it is authorized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The API's generated id (`requestContext.apiId`).
    pub api_id: String,
    /// The API's named stage, whose name prefixes every path; `None` for `$default`.
    pub stage: Option<String>,
    /// `POST /orders`, or `$default`.
    pub key: String,
    /// Upper case; `ANY` for any method.
    method: String,
    /// `None` for the `$default` route.
    path: Option<Vec<Segment>>,
    /// The function's logical id.
    pub function: String,
    /// The authorizer that applies.
    pub auth: RouteAuth,
    /// API Gateway's integration timeout for the route.
    pub timeout_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: one segment.
    Variable(String),
    /// `{name+}`: the rest of the path, one segment or more; only last.
    Greedy(String),
}

/// What a request matched: the route and the values of its path variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The route.
    pub route: &'a Route,
    /// Each path variable's value, percent-decoded.
    pub path_parameters: BTreeMap<String, String>,
}

/// Every route of the stack's HTTP APIs.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    /// The routes of `model`'s functions.
    pub fn of(model: &Model) -> Self {
        let mut routes = Vec::new();
        for function in model.functions.values() {
            for route in &function.http_routes {
                let Some(api) = model.http_apis.get(&route.api) else {
                    continue;
                };
                let key = match &route.path {
                    Some(path) => format!("{} {path}", route.method),
                    None => "$default".to_owned(),
                };
                routes.push(Route {
                    api_id: api.id.clone(),
                    stage: api.stage_name.clone(),
                    key,
                    method: route.method.clone(),
                    path: route.path.as_deref().map(segments),
                    function: function.logical_id.clone(),
                    auth: model.route_auth(route),
                    timeout_ms: route.timeout_ms,
                });
            }
        }
        Self { routes }
    }

    /// Whether the stack has no HTTP route at all.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The route API Gateway would choose for `method` on `path` (the request's path, not
    /// yet decoded, without its query string).
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        self.routes
            .iter()
            .filter_map(|route| {
                let rest = match &route.stage {
                    None => path,
                    Some(stage) => strip_stage(path, stage)?,
                };
                let parameters = match &route.path {
                    None => BTreeMap::new(),
                    Some(pattern) => {
                        if route.method != "ANY" && route.method != method {
                            return None;
                        }
                        match_path(pattern, rest)?
                    }
                };
                Some((rank(route), route, parameters))
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, route, path_parameters)| Matched {
                route,
                path_parameters,
            })
    }
}

/// `/dev/orders` on stage `dev` is `/orders`; `/dev` alone is `/`.
fn strip_stage<'p>(path: &'p str, stage: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(stage)?;
    match rest {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

/// Lower ranks win: the `$default` route last, greedy paths before it, then by each
/// segment from the left (a literal before a variable), then a method before `ANY`.
fn rank(route: &Route) -> (bool, bool, Vec<u8>, bool) {
    let Some(path) = &route.path else {
        return (true, true, Vec::new(), true);
    };
    let greedy = path.iter().any(|s| matches!(s, Segment::Greedy(_)));
    let kinds = path
        .iter()
        .map(|s| match s {
            Segment::Literal(_) => 0,
            Segment::Variable(_) => 1,
            Segment::Greedy(_) => 2,
        })
        .collect();
    (false, greedy, kinds, route.method == "ANY")
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .skip(1)
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(name) => Segment::Greedy(name.to_owned()),
                    None => Segment::Variable(name.to_owned()),
                },
                None => Segment::Literal(part.to_owned()),
            },
        )
        .collect()
}

/// The path variables of `path` if it matches `pattern`.
fn match_path(pattern: &[Segment], path: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let mut parameters = BTreeMap::new();
    for (i, segment) in pattern.iter().enumerate() {
        match segment {
            Segment::Literal(literal) => {
                if percent_decode(parts.get(i)?) != *literal {
                    return None;
                }
            }
            Segment::Variable(name) => {
                let part = parts.get(i).filter(|p| !p.is_empty())?;
                parameters.insert(name.clone(), percent_decode(part));
            }
            Segment::Greedy(name) => {
                let rest = parts
                    .get(i..)
                    .map(|r| r.join("/"))
                    .filter(|r| !r.is_empty())?;
                parameters.insert(name.clone(), percent_decode(&rest));
                return Some(parameters);
            }
        }
    }
    (parts.len() == pattern.len()).then_some(parameters)
}

/// A query string's `name=value` pairs in order, each side decoded ([`percent_decode`]);
/// a pair without `=` has an empty value.
pub fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(name), percent_decode(value))
    })
}

/// `%XX` sequences decoded; a malformed one, or bytes that are not UTF-8 once decoded,
/// kept as sent.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(key: &str, stage: Option<&str>) -> Route {
        let (method, path) = match key.split_once(' ') {
            Some((m, p)) => (m.to_owned(), Some(segments(p))),
            None => ("ANY".to_owned(), None),
        };
        Route {
            api_id: "api".to_owned(),
            stage: stage.map(str::to_owned),
            key: key.to_owned(),
            method,
            path,
            function: key.to_owned(),
            auth: RouteAuth::None,
            timeout_ms: 30_000,
        }
    }

    fn routes(keys: &[&str]) -> Routes {
        Routes {
            routes: keys.iter().map(|k| route(k, None)).collect(),
        }
    }

    fn chosen(
        routes: &Routes,
        method: &str,
        path: &str,
    ) -> Option<(String, Vec<(String, String)>)> {
        routes
            .find(method, path)
            .map(|m| (m.route.key.clone(), m.path_parameters.into_iter().collect()))
    }

    #[test]
    fn the_most_specific_route_wins() {
        let all = routes(&[
            "$default",
            "ANY /orders",
            "POST /orders",
            "GET /orders/{id}",
            "GET /orders/latest",
            "ANY /files/{path+}",
        ]);
        let key = |m, p| chosen(&all, m, p).map(|(k, _)| k);
        assert_eq!(key("POST", "/orders").as_deref(), Some("POST /orders"));
        assert_eq!(key("DELETE", "/orders").as_deref(), Some("ANY /orders"));
        assert_eq!(
            key("GET", "/orders/latest").as_deref(),
            Some("GET /orders/latest")
        );
        assert_eq!(
            key("GET", "/orders/o-1").as_deref(),
            Some("GET /orders/{id}")
        );
        assert_eq!(key("PUT", "/orders/o-1").as_deref(), Some("$default"));
        assert_eq!(
            key("GET", "/files/a/b").as_deref(),
            Some("ANY /files/{path+}")
        );
        assert_eq!(
            key("GET", "/files").as_deref(),
            Some("$default"),
            "greedy needs a segment"
        );
        assert_eq!(key("GET", "/elsewhere").as_deref(), Some("$default"));
    }

    #[test]
    fn path_variables_are_decoded_and_without_default_nothing_else_matches() {
        let all = routes(&["GET /orders/{id}", "ANY /files/{path+}"]);
        assert_eq!(
            chosen(&all, "GET", "/orders/o%201"),
            Some((
                "GET /orders/{id}".to_owned(),
                vec![("id".to_owned(), "o 1".to_owned())]
            ))
        );
        assert_eq!(
            chosen(&all, "GET", "/files/a/b%2Fc"),
            Some((
                "ANY /files/{path+}".to_owned(),
                vec![("path".to_owned(), "a/b/c".to_owned())]
            ))
        );
        assert_eq!(chosen(&all, "GET", "/orders/"), None, "an empty variable");
        assert_eq!(chosen(&all, "GET", "/orders/a/b"), None);
        assert_eq!(chosen(&all, "POST", "/orders/a"), None);
        assert_eq!(chosen(&all, "GET", "/"), None);
    }

    #[test]
    fn a_named_stage_prefixes_its_paths() {
        let staged = Routes {
            routes: vec![route("POST /orders", Some("dev"))],
        };
        assert!(staged.find("POST", "/dev/orders").is_some());
        assert!(staged.find("POST", "/orders").is_none());
        assert!(staged.find("POST", "/device/orders").is_none());
    }

    #[test]
    fn percent_decoding_keeps_what_it_cannot_decode() {
        assert_eq!(percent_decode("a%20b%2f"), "a b/");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "%ff", "not UTF-8 once decoded");
    }
}
