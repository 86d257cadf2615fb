//! Shapes actix-web takes that hookspec compiled wrongly once, as
//! a UI case so a regression shows as a compile error here too.

use actix_web::web::{Data, Json};
use actix_web::{Either, HttpResponse, Responder};
use hookspec::{callback, get, Api};

struct Engine<'reg> {
    name: &'reg str,
}

#[get("/engine")]
async fn engine(engine: Data<Engine<'_>>) -> actix_web::Result<impl Responder> {
    Ok(engine.name.to_owned())
}

#[get("/either")]
async fn either() -> Either<impl Responder, HttpResponse> {
    Either::Left("left")
}

/// Any successful reply.
#[callback(post, "https://hooks.example.com/poked")]
async fn poke(body: Json<String>) -> HttpResponse {}

#[get("/poked", callbacks(poke))]
fn poked() -> impl std::future::Future<Output = &'static str> {
    std::future::ready("poked")
}

fn main() {
    Api::new("Shapes", "1")
        .service(engine)
        .service(either)
        .service(poked)
        .check()
        .unwrap();
}
