//! The connectors a deployment knows, by name: the webhook ingress, the CLI's demo and
//! `renkei run`, and the consistency test all take connectors from one [`Registry`].

use crate::connector::ConnectorFactory;
use std::sync::Arc;

/// Connector factories by name, in registration order.
#[derive(Clone, Default)]
pub struct Registry {
    factories: Vec<Arc<dyn ConnectorFactory>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// This registry with `factory` added (a later one of the same name replaces it).
    #[must_use]
    pub fn with(mut self, factory: Arc<dyn ConnectorFactory>) -> Self {
        self.factories.retain(|f| f.name() != factory.name());
        self.factories.push(factory);
        self
    }

    /// The factory named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn ConnectorFactory>> {
        self.factories.iter().find(|f| f.name() == name).cloned()
    }

    /// Every connector's name.
    pub fn names(&self) -> Vec<&'static str> {
        self.factories.iter().map(|f| f.name()).collect()
    }

    /// Every factory.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn ConnectorFactory>> {
        self.factories.iter()
    }
}
