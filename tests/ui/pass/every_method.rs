//! Every route macro, and `#[route]` with several methods, on one path.
use hookspec::{delete, get, head, options, patch, post, put, route, trace, Api};

#[get("/thing")]
async fn read() -> &'static str {
    "get"
}
#[post("/thing")]
async fn create() -> &'static str {
    "post"
}
#[put("/thing")]
async fn replace() -> &'static str {
    "put"
}
#[patch("/thing")]
async fn change() -> &'static str {
    "patch"
}
#[delete("/thing")]
async fn remove() -> &'static str {
    "delete"
}
#[head("/thing")]
async fn peek() -> &'static str {
    ""
}
#[options("/thing")]
async fn describe() -> &'static str {
    "options"
}
#[trace("/thing")]
async fn echo() -> &'static str {
    "trace"
}
#[route("/other", method = "GET", method = "PUT")]
async fn other() -> &'static str {
    "other"
}

fn main() {
    let api = Api::new("Methods", "1")
        .service(read)
        .service(create)
        .service(replace)
        .service(change)
        .service(remove)
        .service(peek)
        .service(describe)
        .service(echo)
        .service(other);
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    let item = document["paths"]["/thing"].as_object().unwrap();
    assert_eq!(item.len(), 8);
    assert_eq!(document["paths"]["/other"]["put"]["operationId"], "other_put");
}
