-- The digest's other half: for each withdrawn rider, "does this rider hold an ACTIVE
-- policy?". PostgreSQL's partial index "(rider_id) WHERE status = 'ACTIVE'" becomes the
-- compound (rider_id, status): the probe rider_id = ? AND status = 'ACTIVE' is answered
-- from the index alone, without visiting the row. Online and alone in its file for the
-- same reasons as 0071.
CREATE INDEX hourly_insurance_policies_active_rider_idx
    ON hourly_insurance_policies (rider_id, status) ALGORITHM = INPLACE LOCK = NONE;
