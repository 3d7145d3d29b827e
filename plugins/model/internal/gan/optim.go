package gan

import (
	"github.com/ndalab/ndalab/core"
	"github.com/ndalab/ndalab/core/objective"
)

// Optim is the objective and optimisation every GAN model declares as
// parameters: the loss family, Adam for G and D, and the EMA of G's weights.
type Optim struct {
	Loss                   objective.Loss
	LRG, LRD, Beta1, Beta2 float64
	EMADecay               float64 // 0: no EMA
	EMAStart               int64   // G step from which the EMA averages
}

// OptimParams declares loss, lr_g, lr_d, beta1, beta2, ema_decay and
// ema_start, with def's values as their defaults (the hinge loss when
// def.Loss is empty).
func OptimParams(def Optim) []core.Param {
	beta := func(name string, v float64) core.Param {
		return core.Param{Name: name, Type: core.TypeFloat, Default: v, Doc: "Adam " + name,
			Min: core.Bound(0), Max: core.Bound(0.9999)}
	}
	loss := def.Loss
	if loss == "" {
		loss = objective.Hinge
	}
	return []core.Param{
		{Name: "loss", Type: core.TypeString, Default: string(loss),
			Enum: []string{string(objective.Hinge), string(objective.NonSaturating)},
			Doc:  "GAN loss: hinge, or nonsaturating (softplus); NDA negatives join the fake side"},
		{Name: "lr_g", Type: core.TypeFloat, Default: def.LRG, Doc: "generator Adam learning rate",
			Min: core.Bound(0)},
		{Name: "lr_d", Type: core.TypeFloat, Default: def.LRD, Doc: "discriminator Adam learning rate",
			Min: core.Bound(0)},
		beta("beta1", def.Beta1),
		beta("beta2", def.Beta2),
		{Name: "ema_decay", Type: core.TypeFloat, Default: def.EMADecay,
			Doc: "decay of the generator's EMA; 0 disables it", Min: core.Bound(0), Max: core.Bound(0.99999)},
		{Name: "ema_start", Type: core.TypeInt, Default: def.EMAStart,
			Doc: "G step from which the EMA averages (before it, it copies)", Min: core.Bound(0)},
	}
}

// OptimOf reads what OptimParams declared from a resolved config.
func OptimOf(cfg core.Config) Optim {
	return Optim{
		Loss: objective.Loss(cfg.String("loss")),
		LRG:  cfg.Float("lr_g"), LRD: cfg.Float("lr_d"),
		Beta1: cfg.Float("beta1"), Beta2: cfg.Float("beta2"),
		EMADecay: cfg.Float("ema_decay"), EMAStart: int64(cfg.Int("ema_start")),
	}
}
