//! Lists a location's blog authors with the Blogs crate alone (the runtime reached through its
//! `runtime` re-export), and type-checks the README's paging and OAuth calls against the
//! dependencies its `[dependencies]` block names.

use std::sync::Arc;

use ghl_blogs::runtime::auth::{OAuthConfig, UserType};
use ghl_blogs::runtime::store::FileTokenStore;
use ghl_blogs::{BlogsClient, Client};

/// The README's paging snippet: every post of a blog, at most 500.
async fn all_posts(
    blogs: &BlogsClient,
    location_id: &str,
    blog_id: &str,
) -> ghl_blogs::Result<usize> {
    let posts: Vec<_> = blogs
        .get_blog_posts()
        .location_id(location_id)
        .blog_id(blog_id)
        .limit(50)
        .offset(0)
        .paginate()
        .max_items(500)
        .collect_items()
        .await?;
    Ok(posts.len())
}

/// Every post, one at a time: the walk's own `next`, nothing to import or pin.
async fn print_posts(
    blogs: &BlogsClient,
    location_id: &str,
    blog_id: &str,
) -> ghl_blogs::Result<()> {
    let mut posts = blogs
        .get_blog_posts()
        .location_id(location_id)
        .blog_id(blog_id)
        .limit(50)
        .offset(0)
        .paginate()
        .items();
    while let Some(post) = posts.next().await {
        println!("{:?}", post?);
    }
    Ok(())
}

/// The README's OAuth snippet: one installation, its tokens in a file.
async fn oauth(code_from_redirect: &str) -> ghl_blogs::Result<BlogsClient> {
    let config = OAuthConfig::new("client-id", "client-secret")
        .redirect_uri("https://example.com/oauth/callback")
        .user_type(UserType::Location);
    let store = Arc::new(FileTokenStore::new("ghl-tokens.json"));
    let client = Client::builder().oauth(config, store).build()?;
    if client.load_tokens().await?.is_none() {
        client.exchange_code(code_from_redirect).await?;
    }
    Ok(ghl_blogs::BlogsClient::new(client.clone()))
}

fn main() -> Result<(), ghl_blogs::Error> {
    let client = Client::with_token(std::env::var("GHL_TOKEN").unwrap_or_default())?;
    let blogs = BlogsClient::new(client);
    let location_id = std::env::var("GHL_LOCATION_ID").unwrap_or_default();
    // Building the futures type-checks the whole calls; running them needs a token and the
    // network.
    let call = blogs
        .get_all_blog_authors_by_location()
        .location_id(location_id.as_str())
        .limit(5)
        .offset(0)
        .send();
    drop(call);
    drop(all_posts(&blogs, &location_id, "blog-id"));
    drop(print_posts(&blogs, &location_id, "blog-id"));
    drop(oauth("code-from-redirect"));
    println!("ghl-blogs links on its own");
    Ok(())
}
