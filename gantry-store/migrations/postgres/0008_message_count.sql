-- How many messages each conversation holds, kept by the store as messages are added,
-- imported and deleted, so the per-conversation quota costs the same at any length.
ALTER TABLE conversations ADD COLUMN message_count BIGINT NOT NULL DEFAULT 0;
UPDATE conversations
   SET message_count = (SELECT COUNT(*) FROM messages WHERE conversation_id = conversations.id);
