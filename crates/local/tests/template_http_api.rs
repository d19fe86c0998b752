//! HTTP APIs and the `HttpApi` events of functions: which API a route belongs to, its path
//! and method, its timeout, and the authorizer that applies to it (the route's own, else
//! its API's default); what SAM or API Gateway would refuse fails the load.

use std::path::Path;

use orderly_local::template::{IMPLICIT_HTTP_API, LoadOptions, Model, RouteAuth, load, load_str};

const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\n";

fn model_of(body: &str) -> Result<Model, String> {
    load_str(
        &format!("{HEAD}{body}"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

/// An API with `auth` (YAML flow mapping or empty) and a function whose events are
/// `events` (YAML, indented under `Events:`).
fn template(api_props: &str, events: &str) -> String {
    format!(
        "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties: {api_props}\n  \
         Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      \
         Events:\n{events}"
    )
}

fn event(name: &str, props: &str) -> String {
    format!("        {name}:\n          Type: HttpApi\n          Properties: {props}\n")
}

#[test]
fn routes_carry_path_method_api_and_timeout() {
    let events = [
        event("Post", "{ApiId: !Ref Api, Path: /orders, Method: post}"),
        event(
            "Get",
            "{ApiId: !Ref Api, Path: '/orders/{id}', Method: GET, TimeoutInMillis: 5000}",
        ),
        event("Any", "{ApiId: !Ref Api, Path: '/things/{proxy+}'}"),
        event("Default", "{ApiId: !Ref Api}"),
    ]
    .concat();
    let model = model_of(&template("{}", &events)).expect("loads");
    let routes = &model.functions["Fn"].http_routes;
    let by_name = |n: &str| {
        routes
            .iter()
            .find(|r| r.name == n)
            .unwrap_or_else(|| panic!("route {n}"))
    };
    let post = by_name("Post");
    assert_eq!(
        (
            post.api.as_str(),
            post.path.as_deref(),
            post.method.as_str()
        ),
        ("Api", Some("/orders"), "POST")
    );
    assert_eq!(post.timeout_ms, 30_000, "API Gateway's default");
    assert_eq!(by_name("Get").timeout_ms, 5_000);
    assert_eq!(by_name("Any").method, "ANY", "no Method is any method");
    assert_eq!(
        by_name("Default").path,
        None,
        "no Path is the $default route"
    );
    let api = &model.http_apis["Api"];
    assert_eq!(api.id.len(), 10);
    assert_eq!(api.stage_name, None, "the $default stage");
}

#[test]
fn the_api_default_authorizer_applies_unless_the_route_names_its_own() {
    let events = [
        event("Signed", "{ApiId: !Ref Api, Path: /a, Method: GET}"),
        event(
            "Open",
            "{ApiId: !Ref Api, Path: /b, Method: GET, Auth: {Authorizer: NONE}}",
        ),
    ]
    .concat();
    let model = model_of(&template(
        "{Auth: {EnableIamAuthorizer: true, DefaultAuthorizer: AWS_IAM}}",
        &events,
    ))
    .expect("loads");
    let auth = |n: &str| {
        let route = model.functions["Fn"]
            .http_routes
            .iter()
            .find(|r| r.name == n)
            .expect("route");
        model.route_auth(route)
    };
    assert_eq!(auth("Signed"), RouteAuth::AwsIam);
    assert_eq!(auth("Open"), RouteAuth::None);

    // Enabled but not the default: only the routes that ask for it are signed.
    let events = [
        event("Plain", "{ApiId: !Ref Api, Path: /a, Method: GET}"),
        event(
            "Signed",
            "{ApiId: !Ref Api, Path: /b, Method: GET, Auth: {Authorizer: AWS_IAM}}",
        ),
    ]
    .concat();
    let model = model_of(&template("{Auth: {EnableIamAuthorizer: true}}", &events)).expect("loads");
    let api = &model.http_apis["Api"];
    assert!(api.iam_enabled && !api.iam_authorizer);
    let routes = &model.functions["Fn"].http_routes;
    let auth_of = |n: &str| model.route_auth(routes.iter().find(|r| r.name == n).expect("route"));
    assert_eq!(auth_of("Plain"), RouteAuth::None);
    assert_eq!(auth_of("Signed"), RouteAuth::AwsIam);
}

#[test]
fn a_route_without_api_id_belongs_to_sams_implicit_api() {
    let model = model_of(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      \
         CodeUri: f\n      Events:\n        E:\n          Type: HttpApi\n          \
         Properties: {Path: /hello, Method: GET}\n",
    )
    .expect("loads");
    let route = &model.functions["Fn"].http_routes[0];
    assert_eq!(route.api, IMPLICIT_HTTP_API);
    let api = &model.http_apis[IMPLICIT_HTTP_API];
    assert_eq!(api.id.len(), 10);
    assert_eq!(model.route_auth(route), RouteAuth::None);
}

#[test]
fn a_named_stage_is_kept_and_default_is_the_root() {
    let model = model_of(&template(
        "{StageName: dev}",
        &event("E", "{ApiId: !Ref Api}"),
    ))
    .expect("loads");
    assert_eq!(model.http_apis["Api"].stage_name.as_deref(), Some("dev"));
    let model = model_of(&template(
        "{StageName: $default}",
        &event("E", "{ApiId: !Ref Api}"),
    ))
    .expect("loads");
    assert_eq!(model.http_apis["Api"].stage_name, None);
}

#[test]
fn what_sam_or_api_gateway_refuses_fails_the_load_naming_the_place() {
    let cases: &[(&str, String, &str)] = &[
        (
            "route asks for IAM its API does not enable",
            template(
                "{}",
                &event(
                    "E",
                    "{ApiId: !Ref Api, Path: /a, Method: GET, Auth: {Authorizer: AWS_IAM}}",
                ),
            ),
            "Fn.Properties.Events.E.Properties.Auth.Authorizer: AWS_IAM needs EnableIamAuthorizer: true on Api",
        ),
        (
            "route names an authorizer the local cloud does not run",
            template(
                "{}",
                &event(
                    "E",
                    "{ApiId: !Ref Api, Path: /a, Method: GET, Auth: {Authorizer: MyJwt}}",
                ),
            ),
            "Fn.Properties.Events.E.Properties.Auth.Authorizer: unsupported",
        ),
        (
            "two routes with one key",
            template(
                "{}",
                &[
                    event("A", "{ApiId: !Ref Api, Path: /a, Method: GET}"),
                    event("B", "{ApiId: !Ref Api, Path: /a, Method: get}"),
                ]
                .concat(),
            ),
            "route GET /a of Api is also declared at",
        ),
        (
            "timeout over API Gateway's 30 s",
            template(
                "{}",
                &event("E", "{ApiId: !Ref Api, Path: /a, TimeoutInMillis: 30001}"),
            ),
            "Fn.Properties.Events.E.Properties.TimeoutInMillis: 30001 is not between 50 and 30000",
        ),
        (
            "path without its slash",
            template("{}", &event("E", "{ApiId: !Ref Api, Path: orders}")),
            "Fn.Properties.Events.E.Properties.Path: \"orders\" does not start with /",
        ),
        (
            "stage name API Gateway refuses",
            template("{StageName: 'a b'}", &event("E", "{ApiId: !Ref Api}")),
            "Api.Properties.StageName: \"a b\" is not a stage name",
        ),
        (
            "payload format 1.0",
            template(
                "{}",
                &event("E", "{ApiId: !Ref Api, PayloadFormatVersion: '1.0'}"),
            ),
            "Fn.Properties.Events.E.Properties.PayloadFormatVersion: unsupported",
        ),
    ];
    for (what, body, expected) in cases {
        let error = model_of(body).err().unwrap_or_else(|| "loaded".to_owned());
        assert!(error.contains(expected), "{what}: {error}");
    }
}

#[test]
fn the_repository_template_signs_post_orders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    let model = load(&root, &LoadOptions::default()).expect("template loads");
    let api = &model.http_apis["OrdersApi"];
    assert!(api.iam_enabled && api.iam_authorizer);
    let route = &model.functions["PlaceOrderFunction"].http_routes[0];
    assert_eq!(
        (
            route.path.as_deref(),
            route.method.as_str(),
            route.timeout_ms
        ),
        (Some("/orders"), "POST", 30_000)
    );
    assert_eq!(model.route_auth(route), RouteAuth::AwsIam);
}
