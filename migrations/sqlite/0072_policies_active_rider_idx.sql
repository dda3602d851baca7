-- The digest's probe of each withdrawn rider's active policies (see migrations/postgres).
CREATE INDEX IF NOT EXISTS hourly_insurance_policies_active_rider_idx
    ON hourly_insurance_policies (rider_id) WHERE status = 'ACTIVE';
