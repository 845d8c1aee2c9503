-- An answer's context, kept with it: the numbered sources it was given and where its
-- time went (JSON written by Gantry), so that they can be shown again after a reload.
ALTER TABLE messages ADD COLUMN context TEXT;
