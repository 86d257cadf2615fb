use hookspec::get;

// Not a responder: neither hookspec nor actix-web can answer with it. (A
// responder hookspec does not know, such as `Vec<u8>`, compiles, documented as
// a generic success and listed by `Api::undocumented`.)
#[get("/")]
async fn index() -> u32 {
    7
}

fn main() {}
