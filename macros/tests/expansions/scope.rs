mod v1 {
    use super::*;
    #[get("/v1/items", tag = "items", __scope = "v1")]
    pub async fn list() -> &'static str {
        "items"
    }
    #[routes]
    #[hookspec::head("/v1/items", __scope = "v1")]
    #[connect("/v1/tunnel", __scope = "v1")]
    pub async fn probe() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
    pub fn not_a_handler() {}
}
