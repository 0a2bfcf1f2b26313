"""The protocol vocabulary: parameters, steps, reagents, plates and the protocol base class."""
