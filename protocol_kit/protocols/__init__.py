"""The assay protocols, registered by id on import."""
from .microdialysis import Microdialysis
from .radioligand_binding import RadioligandBinding
from .reuptake_inhibition import ReuptakeInhibition

__all__ = ["RadioligandBinding", "ReuptakeInhibition", "Microdialysis"]
