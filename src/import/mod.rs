//! `import`: an inventory from running directors' keepalived.conf.
