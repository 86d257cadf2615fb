::core::compile_error! {
    "unknown argument `operationid`: expected one of `name`, `guard`, `wrap`, `callbacks(...)`, `links(...)`, `tag`, `tags(...)`, `operation_id`, `summary`, `description`, `responses(...)`, `security(...)`, `request_example`, `request_examples(...)`"
}
fn list_items() -> &'static str {
    "items"
}
