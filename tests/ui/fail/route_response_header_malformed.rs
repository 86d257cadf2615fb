use hookspec::post;

#[post("/items", responses((status = 201, description = "Created", headers((Location, String)))))]
async fn create() -> &'static str {
    "created"
}

fn main() {}
