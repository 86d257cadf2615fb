use hookspec::get;

// actix-router refuses a regex on a tail match when the app starts.
#[get("/files/{tail:\\d+}*")]
async fn files() -> &'static str {
    "files"
}

fn main() {}
