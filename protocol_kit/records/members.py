"""People, roles and projects in a PostgreSQL store (schema migration 3 and ``store add-member``).

Least privilege is the database's, not the client's:

- the schema ``protocol_kit`` and its tables belong to the admin role that ran
  ``protocol-kit store init`` (it must own the database);
- each person is a LOGIN role of their own, made by ``protocol-kit store add-member URL NAME
  --project P`` (run by the admin), and a member of the group role :data:`MEMBER_ROLE`, which
  may only SELECT and INSERT events, blobs and keys (no UPDATE, DELETE, TRUNCATE, no DDL: not
  the owner, no CREATE on the schema; append-only triggers refuse UPDATE, DELETE and TRUNCATE
  even to the owner);
- an event's (and a key registration's) ``operator`` must be the authenticated database user,
  ``current_user`` (a trigger refuses another name; the admin is exempt, for ``store copy``);
  a key registration names its operator, and a name has one key (a unique index), so nobody
  registers a key in another's name, nor a second one in their own;
- row-level security: a member sees and writes only events and files of the projects the
  ``members`` table lists for them; an event must belong to its run's project.

"no access" vs "not found": a member is told "no access" for a *project* they are not in
(project names are the lab's own vocabulary), but a run of another project is "not found",
exactly like a run id that does not exist, since the run's existence, date and protocol are
that project's business. (The primary key is checked across projects, so a hand-written
INSERT of event 1 under an existing run id of another project fails with a duplicate key:
that run id's existence is the one thing such a member can learn.)
"""
from __future__ import annotations

import secrets

from ..errors import ProtocolKitError

MEMBER_ROLE = "protocol_kit_member"

_MY_PROJECTS = "project IN (SELECT m.project FROM members m WHERE m.member = current_user)"
_OWNER = "(SELECT nspowner FROM pg_namespace WHERE nspname = 'protocol_kit')"


def pg_migration_3() -> tuple[str, ...]:
    """The statements of migration 3 on PostgreSQL (see the module docstring)."""
    return (
        "CREATE TABLE members (member TEXT NOT NULL, project TEXT NOT NULL, added TEXT NOT NULL, "
        "PRIMARY KEY (member, project))",
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MEMBER_ROLE}') THEN
                CREATE ROLE {MEMBER_ROLE} NOLOGIN;
              END IF;
              EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
              EXECUTE format('GRANT CONNECT ON DATABASE %I TO {MEMBER_ROLE}', current_database());
            END $$""",
        f"GRANT USAGE ON SCHEMA protocol_kit TO {MEMBER_ROLE}",
        f"GRANT SELECT, INSERT ON events, blobs, keys TO {MEMBER_ROLE}",
        f"GRANT SELECT ON meta, schema_version, members TO {MEMBER_ROLE}",
        f"""CREATE FUNCTION operator_is_user() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.operator IS DISTINCT FROM current_user::text
                 AND NOT pg_has_role(current_user, {_OWNER}, 'MEMBER') THEN
                RAISE EXCEPTION 'protocol_kit store: operator % is not the database user %: a member records only in their own name',
                  NEW.operator, current_user USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN NEW;
            END $$""",
        "CREATE TRIGGER events_operator BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION operator_is_user()",
        "CREATE TRIGGER keys_operator BEFORE INSERT ON keys FOR EACH ROW EXECUTE FUNCTION operator_is_user()",
        """CREATE FUNCTION key_name_is_operator() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (NEW.payload::json ->> 'name') IS DISTINCT FROM NEW.operator THEN
                RAISE EXCEPTION 'protocol_kit store: a key is registered by the person it names (operator %, name %)',
                  NEW.operator, NEW.payload::json ->> 'name' USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN NEW;
            END $$""",
        "CREATE TRIGGER keys_operator_name BEFORE INSERT ON keys FOR EACH ROW EXECUTE FUNCTION key_name_is_operator()",
        "CREATE UNIQUE INDEX keys_one_per_name ON keys ((payload::json ->> 'name'))",
        """CREATE FUNCTION run_project_fixed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = protocol_kit, pg_temp AS $$
            DECLARE first_project TEXT;
            BEGIN
              IF NEW.seq > 1 THEN
                SELECT project INTO first_project FROM events WHERE run_id = NEW.run_id AND seq = 1;
                IF first_project IS DISTINCT FROM NEW.project THEN
                  RAISE EXCEPTION 'protocol_kit store: event % of run % is not in the run''s project', NEW.seq, NEW.run_id
                    USING ERRCODE = 'insufficient_privilege';
                END IF;
              END IF;
              RETURN NEW;
            END $$""",
        "CREATE TRIGGER events_project BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION run_project_fixed()",
        "ALTER TABLE members ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY own_rows ON members FOR SELECT TO {MEMBER_ROLE} USING (member = current_user)",
        *(statement for table in ("events", "blobs") for statement in (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY project_read ON {table} FOR SELECT TO {MEMBER_ROLE} USING ({_MY_PROJECTS})",
            f"CREATE POLICY project_write ON {table} FOR INSERT TO {MEMBER_ROLE} WITH CHECK ({_MY_PROJECTS})",
        )),
    )


def add_member(backend, name: str, project: str, password: str | None = None) -> str | None:
    """As the store's admin: make ``name`` a LOGIN role (with ``password``, or a new random one
    when None) in :data:`MEMBER_ROLE`, if it is not a role yet, and a member of ``project``.
    Returns the password set for a new role (None when the role existed: it keeps its own)."""
    from psycopg import sql

    if backend.dialect != "postgresql":
        raise ProtocolKitError("store add-member: members and projects need a PostgreSQL store (postgresql://...)")
    for field, value in (("NAME", name), ("--project", project)):
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise ProtocolKitError(f"store add-member: {field} {value!r} is not allowed; give non-empty text "
                                   "without leading or trailing spaces")
    if len(name.encode("utf-8")) > 63:
        raise ProtocolKitError(f"store add-member: NAME {name!r} is {len(name.encode('utf-8'))} bytes; "
                               "a PostgreSQL role name has at most 63")
    if not backend.is_admin():
        raise ProtocolKitError(f"store add-member: {backend.user!r} is not the store's admin (the owner of the "
                               "protocol_kit schema); run it as the role that ran 'protocol-kit store init'")
    from .events import utc_now

    new = None
    with backend.write("@members") as con:
        exists = con.execute("SELECT 1 FROM pg_roles WHERE rolname=?", (name,)).fetchone()
        if not exists:
            new = password if password is not None else secrets.token_urlsafe(18)
            con.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(new)).as_string(backend._con))
        con.execute(sql.SQL("GRANT {} TO {}").format(
            sql.Identifier(MEMBER_ROLE), sql.Identifier(name)).as_string(backend._con))
        con.execute("INSERT INTO members (member, project, added) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (name, project, utc_now()))
    return new
