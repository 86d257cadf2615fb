use actix_multipart::form::text::Text;
use hookspec::multipart::MultipartSchema;

#[derive(MultipartSchema)]
struct Upload {
    title: Text<String>,
    pages: u32,
}

fn main() {}
