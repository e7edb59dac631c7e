//! Reading RSS and Atom feeds into clean news items.
