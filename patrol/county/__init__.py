"""The county's patrol over a broker: one planner, looks on many workers, the API apart.

`patrol planner` follows the visit plan and sends each look as an order when it falls due (never
ahead: the broker holds no future look time); `patrol worker` processes take orders, look, record
and report back; `patrol serve` reads the same database and sends on-demand requests to the
planner through the broker. Celery over RabbitMQ carries the orders; PostgreSQL holds everything
a worker needs to judge a camera's next look.
"""
