use actix_multipart::form::text::Text;
use hookspec::multipart::MultipartSchema;

#[derive(MultipartSchema)]
struct Upload(Text<String>);

fn main() {}
