"""Model instances from rows read in SQL, as the ORM would have made them.

The few statements a public page runs in SQL (articles.querysets, images.renditions)
read whole rows of a model's concrete columns in their order; `instances()` turns
them into model instances with each value converted as the ORM converts it (the
backend's converters, then the field's from_db_value: dates and booleans on SQLite,
JSON everywhere), marked as loaded from `database`.
"""


def columns(model, alias, quote):
    """The SELECT list of `model`'s concrete columns, in their order, under `alias`."""
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instances(model, rows, database):
    """Instances of `model` from `rows` that start with its concrete columns (columns())."""
    fields = model._meta.concrete_fields
    converters = []
    for n, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        steps = [*database.ops.get_db_converters(column), *column.get_db_converters(database)]
        if steps:
            converters.append((n, column, steps))
    names = [field.attname for field in fields]
    made = []
    for row in rows:
        values = list(row[: len(fields)])
        for n, column, steps in converters:
            for step in steps:
                values[n] = step(values[n], column, database)
        made.append(model.from_db(database.alias, names, values))
    return made


def json_value(field, value, database):
    """A JSON column's value as the ORM gives it (a raw cursor may return its text)."""
    return field.from_db_value(value, None, database) if isinstance(value, str) else value
