::core::compile_error! {
    "unknown argument `operationid`: expected one of `name`, `guard`, `wrap`, `callbacks(...)`, `tag`, `tags(...)`, `operation_id`, `summary`, `description`, `responses(...)`, `security(...)`"
}
fn list_items() -> &'static str {
    "items"
}
