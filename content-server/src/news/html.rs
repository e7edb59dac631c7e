//! HTML fragments from feeds turned into clean text for the screens.
