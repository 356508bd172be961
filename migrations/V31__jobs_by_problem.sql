-- The jobs against a stored problem, found by the problem's id in their request: the dashboard's problems pages
-- count a problem's submissions and read its tests' runs through it. Forward only.
CREATE INDEX jobs_problem ON jobs ((request -> 'problem' ->> 'id')) WHERE request -> 'problem' ->> 'id' IS NOT NULL;
