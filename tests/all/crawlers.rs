//! The course's crawlers beyond Sketchfab, each offline from its replay and against a loopback server.

mod artic;
mod iconify;
mod met;
mod smithsonian;
mod url_list;
mod wikimedia;
