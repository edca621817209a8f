"""Who sees which schools: the county bureau all of them, a police station its own."""

from __future__ import annotations

from dataclasses import dataclass

from patrol.config.schema import JurisdictionsConfig


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    name: str
    school_ids: frozenset[str] | None
    """None: every school, present and future (the county bureau)."""

    def covers(self, school_id: str) -> bool:
        return self.school_ids is None or school_id in self.school_ids


@dataclass(frozen=True)
class Jurisdictions:
    county: Jurisdiction
    stations: tuple[Jurisdiction, ...] = ()

    @classmethod
    def from_config(cls, config: JurisdictionsConfig) -> Jurisdictions:
        return cls(
            Jurisdiction(config.county.id, config.county.name, None),
            tuple(
                Jurisdiction(station.id, station.name, frozenset(station.schools))
                for station in config.stations
            ),
        )

    def all(self) -> tuple[Jurisdiction, ...]:
        return (self.county, *self.stations)

    def get(self, jurisdiction_id: str) -> Jurisdiction | None:
        return next((j for j in self.all() if j.id == jurisdiction_id), None)

    def scope(self, jurisdiction_id: str) -> frozenset[str] | None:
        """The schools a user of this jurisdiction sees; none at all for one no longer configured."""
        jurisdiction = self.get(jurisdiction_id)
        return frozenset() if jurisdiction is None else jurisdiction.school_ids
