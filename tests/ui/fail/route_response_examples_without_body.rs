use hookspec::post;

#[post("/items", responses((status = 201, description = "Created", examples(it = "it"))))]
async fn create() -> &'static str {
    "created"
}

fn main() {}
