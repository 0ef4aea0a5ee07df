//! A crawler that fetches each URL of `urls` and logs everything the host hands back — status, final URL, every
//! header, the body, or the error — so the secrets tests can check that no secret the host added ever reaches
//! the plugin, whatever the server echoes.

use aigc_sdk::{Crawler, Result, config, http, log};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "Test plugin: fetches `urls` and logs what comes back",
    "hosts": ["example.org"],
    "secrets": {
        "token": { "hosts": ["example.org"], "header": "Authorization", "prefix": "Bearer " },
        "basic": { "hosts": ["example.org"], "header": "Authorization", "prefix": "Basic " }
    },
    "config": {
        "urls": { "default": "", "help": "comma-separated URLs to fetch, in order" }
    }
});

struct SecretProbe;

impl Crawler for SecretProbe {
    fn crawl() -> Result<()> {
        for url in config::list("urls") {
            match http::get(&url) {
                Ok(response) => {
                    log::info(&format!("response {url}: HTTP {} from {}", response.status, response.final_url));
                    for (name, value) in &response.headers {
                        log::info(&format!("header {name}: {value}"));
                    }
                    log::info(&format!("body {}", response.text()));
                }
                Err(error) => log::warn(&format!("error {url}: {error:?}")),
            }
        }
        Ok(())
    }
}

aigc_sdk::export_crawler!(SecretProbe);
