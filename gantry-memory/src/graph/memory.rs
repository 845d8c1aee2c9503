//! [`GraphMemory`]: each user's current facts as an in-memory petgraph, loaded from the
//! store on first use and kept in step by the writes that go through it.
//!
//! Only open facts (`valid_to` is `None`) are held, so every traversal sees the current
//! state of the world; closed facts stay in the store, for [`GraphMemory::fact_history`].
//!
//! Each user's graph sits behind its own async lock. A load holds that lock for the
//! whole store read, and every cache update takes the same lock, so an update that lands
//! while a load is reading waits and is then applied on top of the loaded graph. Updates
//! are idempotent (the loaded snapshot may already hold them), which makes the two orders
//! agree. An update for a user whose graph is not loaded does nothing: the next load
//! reads the store, which already holds it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use gantry_core::graph::{KnowledgeGraph, Subgraph};
use gantry_core::model::{Entity, NewEntity, NewRelation, Relation};
use gantry_core::store::GraphStore;
use gantry_core::{EntityId, Error, RelationId, Result, UserId};
use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use petgraph::visit::EdgeRef;
use tokio::sync::RwLock;

/// Most hops a neighbourhood query walks; larger requests are clamped.
pub const MAX_HOPS: u32 = 4;
/// Most entities one query returns.
pub const MAX_RESULT_ENTITIES: usize = 200;
/// Most facts one query returns.
pub const MAX_RESULT_RELATIONS: usize = 1_000;
/// Most entities `facts_about` picks out of one text.
pub const MAX_MENTIONS: usize = 20;
/// Most words of a text `facts_about` reads (a question is far shorter).
const MAX_SCANNED_WORDS: usize = 10_000;
/// Users whose graphs stay cached by default.
const DEFAULT_MAX_USERS: usize = 1_024;

/// A knowledge graph over a [`GraphStore`], with each user's current facts cached in memory.
///
/// Writes made elsewhere must be reported with [`record_entity`](Self::record_entity) and
/// [`record_relation`](Self::record_relation) (or go through [`add_entity`](Self::add_entity)
/// and [`add_relation`](Self::add_relation)); deletions go through
/// [`forget_entity`](Self::forget_entity) and [`forget_relation`](Self::forget_relation).
pub struct GraphMemory {
    store: Arc<dyn GraphStore>,
    cache: Mutex<Cache>,
    max_users: usize,
}

impl std::fmt::Debug for GraphMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let users = self.cache.lock().map(|c| c.slots.len()).unwrap_or_default();
        f.debug_struct("GraphMemory")
            .field("cached_users", &users)
            .field("max_users", &self.max_users)
            .finish_non_exhaustive()
    }
}

/// One user's graph; `None` until loaded.
type Slot = Arc<RwLock<Option<UserGraph>>>;

#[derive(Default)]
struct Cache {
    /// Per user: the slot and the tick of its last use, for least-recently-used eviction.
    slots: HashMap<UserId, (u64, Slot)>,
    tick: u64,
}

impl GraphMemory {
    /// A graph over `store`, caching up to 1,024 users' graphs.
    pub fn new(store: Arc<dyn GraphStore>) -> Self {
        Self::with_capacity(store, DEFAULT_MAX_USERS)
    }

    /// A graph over `store` that caches at most `max_users` users' graphs (at least one),
    /// dropping the least recently used beyond that.
    pub fn with_capacity(store: Arc<dyn GraphStore>, max_users: usize) -> Self {
        Self {
            store,
            cache: Mutex::new(Cache::default()),
            max_users: max_users.max(1),
        }
    }

    /// The store the graph reads from and writes through.
    pub fn store(&self) -> &Arc<dyn GraphStore> {
        &self.store
    }

    /// Records an entity in the store and the cache.
    pub async fn add_entity(&self, owner: UserId, new: NewEntity) -> Result<Entity> {
        let entity = self.store.upsert_entity(owner, new).await?;
        self.record_entity(&entity).await;
        Ok(entity)
    }

    /// Records a fact in the store and the cache. Returns the fact and how many of the
    /// subject's facts it closed in the cache (an exclusive predicate closes the others).
    pub async fn add_relation(&self, owner: UserId, new: NewRelation) -> Result<(Relation, usize)> {
        let exclusive = new.exclusive;
        let relation = self.store.add_relation(owner, new).await?;
        let closed = self.record_relation(&relation, exclusive).await;
        Ok((relation, closed))
    }

    /// Tells the cache about an entity the store has just written.
    pub async fn record_entity(&self, entity: &Entity) {
        self.update(entity.owner_id, |graph| graph.insert_entity(entity.clone()))
            .await;
    }

    /// Tells the cache about a fact the store has just written, with the `exclusive` flag it
    /// was written with. Mirrors [`GraphStore::add_relation`]: an exclusive fact closes the
    /// subject's other open facts with the same predicate, so they leave the cache. Returns
    /// how many it closed (0 when the user's graph is not cached).
    ///
    /// A fact between entities the cache has not been told about drops the user's graph, so
    /// the next query reloads it rather than missing the fact.
    pub async fn record_relation(&self, relation: &Relation, exclusive: bool) -> usize {
        let owner = relation.owner_id;
        let recorded = self
            .update(owner, |graph| {
                graph.insert_relation(relation.clone(), exclusive)
            })
            .await;
        match recorded {
            Some(Some(closed)) => closed,
            Some(None) => {
                self.invalidate(owner);
                0
            }
            None => 0,
        }
    }

    /// Deletes an entity and its facts from the store and the cache.
    pub async fn forget_entity(&self, owner: UserId, id: EntityId) -> Result<()> {
        self.store.delete_entity(owner, id).await?;
        self.update(owner, |graph| graph.remove_entity(id)).await;
        Ok(())
    }

    /// Deletes one fact from the store and the cache.
    pub async fn forget_relation(&self, owner: UserId, id: RelationId) -> Result<()> {
        self.store.delete_relation(owner, id).await?;
        self.update(owner, |graph| graph.remove_relation(id)).await;
        Ok(())
    }

    /// Drops a user's cached graph, so the next query reloads it from the store. For
    /// changes made around this type, such as deleting the user.
    pub fn invalidate(&self, owner: UserId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.slots.remove(&owner);
        }
    }

    /// Every fact that mentions `entity`, closed ones included, oldest first: what the
    /// user has said over time. Read from the store, as closed facts are not cached.
    pub async fn fact_history(&self, owner: UserId, entity: EntityId) -> Result<Vec<Relation>> {
        self.read(owner, |graph| graph.node(entity).map(|_| ()))
            .await??;
        let mut facts = self.store.relations(owner, true).await?;
        facts.retain(|r| r.subject_id == entity || r.object_id == entity);
        Ok(facts)
    }

    /// The user's entity with this name (any case), preferring the given kind.
    pub(crate) async fn entity_named(
        &self,
        owner: UserId,
        name: &str,
        kind: &str,
    ) -> Result<Option<Entity>> {
        self.read(owner, |graph| graph.entity_named(name, kind))
            .await
    }

    /// The user's slot, created empty if missing.
    fn slot(&self, owner: UserId) -> Result<Slot> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| Error::internal("graph cache lock poisoned"))?;
        cache.tick += 1;
        let tick = cache.tick;
        if let Some((used, slot)) = cache.slots.get_mut(&owner) {
            *used = tick;
            return Ok(slot.clone());
        }
        if cache.slots.len() >= self.max_users {
            let oldest = cache
                .slots
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(user, _)| *user);
            if let Some(user) = oldest {
                cache.slots.remove(&user);
            }
        }
        let slot = Slot::default();
        cache.slots.insert(owner, (tick, slot.clone()));
        Ok(slot)
    }

    /// Runs `f` on the user's graph, loading it first if needed.
    async fn read<T>(&self, owner: UserId, f: impl FnOnce(&UserGraph) -> T) -> Result<T> {
        let slot = self.slot(owner)?;
        {
            let guard = slot.read().await;
            if let Some(graph) = guard.as_ref() {
                return Ok(f(graph));
            }
        }
        let mut guard = slot.write().await;
        if guard.is_none() {
            *guard = Some(self.load(owner).await?);
        }
        let guard = guard.downgrade();
        match guard.as_ref() {
            Some(graph) => Ok(f(graph)),
            None => Err(Error::internal("graph not loaded after loading")),
        }
    }

    /// Runs `f` on the user's graph if it is cached; `None` otherwise.
    async fn update<T>(&self, owner: UserId, f: impl FnOnce(&mut UserGraph) -> T) -> Option<T> {
        let slot = {
            let cache = self.cache.lock().ok()?;
            cache.slots.get(&owner).map(|(_, slot)| slot.clone())?
        };
        let mut guard = slot.write().await;
        guard.as_mut().map(f)
    }

    async fn load(&self, owner: UserId) -> Result<UserGraph> {
        let entities = self.store.entities(owner).await?;
        let relations = self.store.relations(owner, false).await?;
        let mut graph = UserGraph::default();
        for entity in entities {
            graph.insert_entity(entity);
        }
        for relation in relations {
            // Both ends were loaded above unless an entity was deleted in between, in
            // which case the store has dropped the fact too.
            let _ = graph.insert_relation(relation, false);
        }
        tracing::debug!(
            user = %owner,
            entities = graph.nodes.len(),
            relations = graph.edges.len(),
            "knowledge graph loaded"
        );
        Ok(graph)
    }
}

#[async_trait]
impl KnowledgeGraph for GraphMemory {
    async fn neighbourhood(&self, owner: UserId, entity: EntityId, hops: u32) -> Result<Subgraph> {
        self.read(owner, |graph| {
            graph.neighbourhood(entity, hops.min(MAX_HOPS))
        })
        .await?
    }

    async fn path(&self, owner: UserId, from: EntityId, to: EntityId) -> Result<Option<Subgraph>> {
        self.read(owner, |graph| graph.path(from, to)).await?
    }

    async fn facts_about(&self, owner: UserId, text: &str) -> Result<Subgraph> {
        self.read(owner, |graph| graph.facts_about(text)).await
    }

    async fn forget_relation(&self, owner: UserId, id: RelationId) -> Result<()> {
        GraphMemory::forget_relation(self, owner, id).await
    }

    async fn forget_entity(&self, owner: UserId, id: EntityId) -> Result<()> {
        GraphMemory::forget_entity(self, owner, id).await
    }

    fn invalidate(&self, owner: UserId) {
        GraphMemory::invalidate(self, owner);
    }
}

/// One user's open facts. Petgraph indices never leave this type.
#[derive(Default)]
struct UserGraph {
    /// Node weight: the entity; edge weight: the fact. Directed subject -> object, and
    /// walked in both directions.
    graph: StableGraph<EntityId, RelationId>,
    nodes: HashMap<EntityId, (NodeIndex, Entity)>,
    edges: HashMap<RelationId, (EdgeIndex, Relation)>,
    /// First word of a name -> (the name's words, entity), for finding names in text.
    names: HashMap<String, Vec<(Vec<String>, EntityId)>>,
}

impl UserGraph {
    fn node(&self, id: EntityId) -> Result<NodeIndex> {
        self.nodes
            .get(&id)
            .map(|(node, _)| *node)
            .ok_or_else(|| Error::not_found(id.describe()))
    }

    fn entity_at(&self, node: NodeIndex) -> Option<&Entity> {
        let id = self.graph.node_weight(node)?;
        self.nodes.get(id).map(|(_, entity)| entity)
    }

    fn relation_at(&self, edge: EdgeIndex) -> Option<&Relation> {
        let id = self.graph.edge_weight(edge)?;
        self.edges.get(id).map(|(_, relation)| relation)
    }

    fn insert_entity(&mut self, entity: Entity) {
        match self.nodes.entry(entity.id) {
            Entry::Occupied(mut slot) => slot.get_mut().1 = entity,
            Entry::Vacant(slot) => {
                let words = words(&entity.name);
                if let Some(first) = words.first() {
                    let list = self.names.entry(first.clone()).or_default();
                    list.push((words, entity.id));
                    // Longest names first, so the scan tries them first.
                    list.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
                }
                let node = self.graph.add_node(entity.id);
                slot.insert((node, entity));
            }
        }
    }

    /// Adds an open fact; returns how many facts it closed, or `None` if an end is unknown.
    fn insert_relation(&mut self, relation: Relation, exclusive: bool) -> Option<usize> {
        if relation.valid_to.is_some() || self.edges.contains_key(&relation.id) {
            return Some(0);
        }
        let (&(subject, _), &(object, _)) = (
            self.nodes.get(&relation.subject_id)?,
            self.nodes.get(&relation.object_id)?,
        );
        let mut closed = 0;
        if exclusive {
            let superseded: Vec<RelationId> = self
                .graph
                .edges_directed(subject, Direction::Outgoing)
                .filter_map(|edge| self.edges.get(edge.weight()))
                .filter(|(_, r)| r.predicate == relation.predicate)
                .map(|(_, r)| r.id)
                .collect();
            for id in superseded {
                self.remove_relation(id);
                closed += 1;
            }
        }
        let edge = self.graph.add_edge(subject, object, relation.id);
        self.edges.insert(relation.id, (edge, relation));
        Some(closed)
    }

    fn remove_relation(&mut self, id: RelationId) {
        if let Some((edge, _)) = self.edges.remove(&id) {
            self.graph.remove_edge(edge);
        }
    }

    fn remove_entity(&mut self, id: EntityId) {
        let Some((node, entity)) = self.nodes.remove(&id) else {
            return;
        };
        let touching: Vec<RelationId> = self
            .graph
            .edges_directed(node, Direction::Outgoing)
            .chain(self.graph.edges_directed(node, Direction::Incoming))
            .map(|edge| *edge.weight())
            .collect();
        for relation in touching {
            self.edges.remove(&relation);
        }
        self.graph.remove_node(node);
        let words = words(&entity.name);
        if let Some(first) = words.first()
            && let Some(list) = self.names.get_mut(first)
        {
            list.retain(|(_, e)| *e != id);
            if list.is_empty() {
                self.names.remove(first);
            }
        }
    }

    fn entity_named(&self, name: &str, kind: &str) -> Option<Entity> {
        let key = name.trim().to_lowercase();
        let kind = kind.trim().to_lowercase();
        let mut found: Option<&Entity> = None;
        for (_, entity) in self.nodes.values() {
            if entity.name.trim().to_lowercase() != key {
                continue;
            }
            if entity.kind == kind {
                return Some(entity.clone());
            }
            // Several kinds share the name: the oldest is the stable choice.
            if found.is_none_or(|f| entity.id < f.id) {
                found = Some(entity);
            }
        }
        found.cloned()
    }

    /// Entities within `hops` of `start`, breadth first, nearest first.
    fn neighbourhood(&self, start: EntityId, hops: u32) -> Result<Subgraph> {
        let start = self.node(start)?;
        let mut seen = vec![start];
        let mut visited: HashSet<NodeIndex> = HashSet::from([start]);
        let mut frontier = vec![start];
        'walk: for _ in 0..hops {
            let mut next = Vec::new();
            for node in frontier {
                for neighbour in self.graph.neighbors_undirected(node) {
                    if visited.insert(neighbour) {
                        if seen.len() >= MAX_RESULT_ENTITIES {
                            break 'walk;
                        }
                        seen.push(neighbour);
                        next.push(neighbour);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(self.subgraph_among(&seen))
    }

    /// Every fact touching `node`, either way, with the entity at its other end.
    fn touching(&self, node: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex)> + '_ {
        self.graph
            .edges_directed(node, Direction::Outgoing)
            .map(|e| (e.id(), e.target()))
            .chain(
                self.graph
                    .edges_directed(node, Direction::Incoming)
                    .map(|e| (e.id(), e.source())),
            )
    }

    /// The chosen entities, in order, and every fact between two of them.
    fn subgraph_among(&self, nodes: &[NodeIndex]) -> Subgraph {
        let members: HashSet<NodeIndex> = nodes.iter().copied().collect();
        let mut edges: HashSet<EdgeIndex> = HashSet::new();
        for &node in nodes {
            for edge in self.graph.edges_directed(node, Direction::Outgoing) {
                if members.contains(&edge.target()) {
                    edges.insert(edge.id());
                }
            }
        }
        self.assemble(nodes, edges)
    }

    /// A subgraph of these entities (in order) and facts (oldest first, capped).
    fn assemble(&self, nodes: &[NodeIndex], edges: HashSet<EdgeIndex>) -> Subgraph {
        let entities = nodes
            .iter()
            .filter_map(|&n| self.entity_at(n).cloned())
            .collect();
        let mut relations: Vec<Relation> = edges
            .into_iter()
            .filter_map(|e| self.relation_at(e).cloned())
            .collect();
        relations.sort_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.id.cmp(&b.id)));
        relations.truncate(MAX_RESULT_RELATIONS);
        Subgraph {
            entities,
            relations,
        }
    }

    /// A shortest chain between two entities, ignoring the facts' direction.
    fn path(&self, from: EntityId, to: EntityId) -> Result<Option<Subgraph>> {
        let from = self.node(from)?;
        let to = self.node(to)?;
        // Node -> the edge and node it was reached through.
        let mut came_from: HashMap<NodeIndex, Option<(EdgeIndex, NodeIndex)>> =
            HashMap::from([(from, None)]);
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                break;
            }
            for (edge, next) in self.touching(node) {
                if let Entry::Vacant(slot) = came_from.entry(next) {
                    slot.insert(Some((edge, node)));
                    queue.push_back(next);
                }
            }
        }
        if !came_from.contains_key(&to) {
            return Ok(None);
        }
        let mut nodes = vec![to];
        let mut edges = HashSet::new();
        let mut at = to;
        while let Some(Some((edge, previous))) = came_from.get(&at) {
            edges.insert(*edge);
            nodes.push(*previous);
            at = *previous;
        }
        nodes.reverse();
        Ok(Some(self.assemble(&nodes, edges)))
    }

    /// Entities named in `text` (whole words, any case, longest name first) with their
    /// direct facts and the entities at the other end.
    fn facts_about(&self, text: &str) -> Subgraph {
        let text: Vec<String> = words(text).into_iter().take(MAX_SCANNED_WORDS).collect();
        let mut mentioned: Vec<NodeIndex> = Vec::new();
        let mut i = 0;
        while i < text.len() && mentioned.len() < MAX_MENTIONS {
            let mut step = 1;
            let candidates = self.names.get(&text[i]).map(Vec::as_slice).unwrap_or(&[]);
            let mut matched_len = None;
            for (name, id) in candidates {
                if matched_len.is_some_and(|len| name.len() < len) {
                    break;
                }
                if text[i..].starts_with(name)
                    && let Some(&(node, _)) = self.nodes.get(id)
                {
                    matched_len = Some(name.len());
                    step = name.len();
                    if !mentioned.contains(&node) && mentioned.len() < MAX_MENTIONS {
                        mentioned.push(node);
                    }
                }
            }
            i += step;
        }
        let mut nodes = mentioned.clone();
        let mut members: HashSet<NodeIndex> = nodes.iter().copied().collect();
        let mut edges = HashSet::new();
        for &node in &mentioned {
            for (edge, other) in self.touching(node) {
                if !members.contains(&other) {
                    if nodes.len() >= MAX_RESULT_ENTITIES {
                        continue;
                    }
                    members.insert(other);
                    nodes.push(other);
                }
                edges.insert(edge);
            }
        }
        self.assemble(&nodes, edges)
    }
}

/// Lower-cased words: maximal runs of letters and digits. Names and questions are split the
/// same way, so `O'Brien` matches `o'brien` and `Acme-Corp` matches `acme corp`.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}
