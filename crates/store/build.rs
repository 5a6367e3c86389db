// `sqlx::migrate!` embeds the migrations when the crate compiles; without this, a migration
// added since the last build would not be seen.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
