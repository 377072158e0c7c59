//! Lists a location's blog authors with the Blogs crate alone.

use ghl_blogs::{BlogsClient, Client};

fn main() -> Result<(), ghl_blogs::Error> {
    let client = Client::with_token(std::env::var("GHL_TOKEN").unwrap_or_default())?;
    let blogs = BlogsClient::new(client);
    let location_id = std::env::var("GHL_LOCATION_ID").unwrap_or_default();
    // Building the future type-checks the whole call; running it needs a token and the network.
    let call = blogs
        .get_all_blog_authors_by_location(location_id, 5, 0)
        .send();
    drop(call);
    println!("ghl-blogs links on its own");
    Ok(())
}
