use hookspec::multipart::MultipartSchema;

#[derive(MultipartSchema)]
enum Upload {
    One,
}

fn main() {}
