use hookspec::callback;

#[callback(post, "{$request.query.callback_url}")]
async fn notify(count: u32) {}

fn main() {}
