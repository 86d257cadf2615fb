use hookspec::get;

// actix-router takes at most 16 dynamic segments.
#[get("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}")]
async fn deep() -> &'static str {
    "deep"
}

fn main() {}
