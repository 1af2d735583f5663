//! Profile resolution: flags > env > config file > JFrog CLI config > embedded.
