//! What hookspec documents of actix-web-codegen's test handlers (`routes.rs`,
//! `scopes.rs`, included as they are): every document validates against the
//! official OpenAPI 3.1 schema, and says what the handlers route.

#[allow(dead_code)]
#[path = "../../common/openapi_schema.rs"]
mod openapi_schema;

use hookspec::Api;
use serde_json::Value;

#[allow(dead_code)]
mod routes {
    include!("routes.rs");

    /// routes.rs's handlers in three APIs: it has three `GET /test` handlers,
    /// which one document cannot hold.
    pub fn apis() -> [hookspec::Api; 3] {
        let all = hookspec::Api::new("routes.rs", "4.3.0")
            .service(config)
            .service(test_handler)
            .service(put_test)
            .service(patch_test)
            .service(post_test)
            .service(head_test)
            .service(connect_test)
            .service(options_test)
            .service(trace_test)
            .service(put_param_test)
            .service(delete_param_test)
            .service(get_param_test)
            .service(custom_route_test)
            .service(route_test)
            .service(routes_test)
            .service(routes_overlapping_test)
            .service(routes_overlapping_inaccessible_test)
            .service(custom_resource_name_test)
            .service(guard_test)
            .service(get_wrap)
            .service(get_catalog);
        [
            all,
            hookspec::Api::new("auto_async", "4.3.0").service(auto_async),
            hookspec::Api::new("auto_sync", "4.3.0").service(auto_sync),
        ]
    }
}

#[allow(dead_code)]
mod scopes {
    include!("scopes.rs");

    /// scopes.rs's handlers in one API.
    pub fn api() -> hookspec::Api {
        hookspec::Api::new("scopes.rs", "4.3.0")
            .service(scope_module::guard)
            .service(scope_module::test)
            .service(scope_module::twice)
            .service(scope_module::post)
            .service(scope_module::delete)
            .service(scope_module::multiple_shared_path)
            .service(scope_module::multiple_separate_paths)
            .service(mod_scope_v1::test)
            .service(mod_scope_v2::test)
    }
}

fn checked_document(api: &Api) -> Value {
    api.check().unwrap_or_else(|error| panic!("{error}"));
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    openapi_schema::assert_valid_openapi_3_1(&document);
    document
}

/// The methods documented at `path`.
fn methods(document: &Value, path: &str) -> Vec<String> {
    document["paths"][path]
        .as_object()
        .map(|item| item.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_routes_documents_are_valid_and_leave_out_what_openapi_cannot_say() {
    let [all, auto_async, auto_sync] = routes::apis();
    let document = checked_document(&all);
    // `CONNECT` and `HELLO` are routed, not documented: `/hello` has no
    // operation at all, `/multi` only its three standard methods.
    assert_eq!(
        methods(&document, "/test"),
        ["get", "head", "options", "patch", "post", "put", "trace"]
    );
    assert!(document["paths"].get("/hello").is_none());
    assert_eq!(methods(&document, "/multi"), ["get", "head", "post"]);
    assert_eq!(
        document["paths"]["/multi"]["head"]["operationId"],
        "route_test_head"
    );
    // `#[routes]`: one operation per route, ids `<fn>_<n>`.
    let routes = &document["paths"];
    assert_eq!(
        routes["/routes/test"]["get"]["operationId"],
        "routes_test_1"
    );
    assert_eq!(
        routes["/routes/test2"]["get"]["operationId"],
        "routes_test_2"
    );
    assert_eq!(
        routes["/routes/test"]["post"]["operationId"],
        "routes_test_3"
    );
    // `{foo}` read through `match_info()`: a required string parameter.
    let foo = &routes["/routes/overlap/{foo}"]["get"]["parameters"][0];
    assert_eq!(foo["name"], "foo");
    assert_eq!(foo["in"], "path");
    assert_eq!(foo["required"], true);
    assert_eq!(foo["schema"]["type"], "string");
    // A plain `fn` returning `impl Future<Output = Result<HttpResponse, Error>>`.
    for api in [auto_async, auto_sync] {
        let this = checked_document(&api);
        let responses = &this["paths"]["/test"]["get"]["responses"];
        assert!(responses["200"].is_object(), "{responses}");
    }
}

/// `api`'s OpenAPI 3.2 document, validated against the official 3.2 schema.
fn checked_document_3_2(api: &Api) -> Value {
    let document = serde_json::to_value(api.openapi_3_2().unwrap()).unwrap();
    openapi_schema::assert_valid_openapi_3_2(&document);
    document
}

#[test]
fn the_routes_3_2_document_describes_connect_and_custom_methods_too() {
    let [all, ..] = routes::apis();
    let document = checked_document_3_2(&all);
    let operation_id = |path: &str, method: &str| {
        document["paths"][path]["additionalOperations"][method]["operationId"].clone()
    };
    assert_eq!(operation_id("/test", "CONNECT"), "connect_test");
    assert_eq!(operation_id("/hello", "HELLO"), "custom_route_test");
    assert_eq!(operation_id("/multi", "HELLO"), "route_test_hello");
    assert_eq!(
        methods(&document, "/multi"),
        ["additionalOperations", "get", "head", "post"]
    );
    // The same ids as in 3.1, where `HELLO` is left out.
    assert_eq!(
        document["paths"]["/multi"]["head"]["operationId"],
        "route_test_head"
    );
}

#[test]
fn the_scopes_document_is_valid_with_the_prefixes_and_distinct_ids() {
    let document = checked_document(&scopes::api());
    assert_eq!(
        methods(&document, "/test/test"),
        ["delete", "get", "patch", "post", "put"]
    );
    let paths = &document["paths"];
    assert_eq!(
        paths["/test/test"]["get"]["operationId"],
        "scope_module_test"
    );
    assert_eq!(paths["/v1/test"]["get"]["operationId"], "mod_scope_v1_test");
    assert_eq!(paths["/v2/test"]["get"]["operationId"], "mod_scope_v2_test");
    assert_eq!(
        paths["/test/twice-test/{value}"]["get"]["parameters"][0]["name"],
        "value"
    );
    // `#[routes]` in a scope: HEAD, OPTIONS and TRACE documented, CONNECT not.
    assert_eq!(methods(&document, "/test/test1"), ["head"]);
    assert!(paths.get("/test/test2").is_none());
    assert_eq!(methods(&document, "/test/test3"), ["options"]);
    assert_eq!(
        paths["/test/test4"]["trace"]["operationId"],
        "scope_module_multiple_separate_paths_4"
    );
}
