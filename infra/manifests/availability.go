package manifests

import (
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// CheckAvailability checks that every Deployment has a PodDisruptionBudget that selects its pods
// and still lets one pod go (minAvailable below its replicas), and a HorizontalPodAutoscaler
// that scales it from at least its replicas.
func CheckAvailability(s Set) error {
	var errs []error
	for _, w := range s.Workloads() {
		if w.Kind != "Deployment" {
			continue
		}
		pdbs := 0
		for _, p := range s.PodDisruptionBudgets() {
			sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(w.Template.Labels)) {
				continue
			}
			pdbs++
			if p.Spec.MinAvailable != nil && p.Spec.MinAvailable.IntValue() >= int(w.Replicas) {
				errs = append(errs, fmt.Errorf("PodDisruptionBudget %s: minAvailable %s of %d replicas blocks every drain", p.Name, p.Spec.MinAvailable, w.Replicas))
			}
		}
		if pdbs != 1 {
			errs = append(errs, fmt.Errorf("Deployment %s: %d PodDisruptionBudgets, want 1", w.Name, pdbs))
		}
		hpas := 0
		for _, h := range s.HorizontalPodAutoscalers() {
			ref := h.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || ref.Name != w.Name {
				continue
			}
			hpas++
			if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < w.Replicas || h.Spec.MaxReplicas <= *h.Spec.MinReplicas {
				errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s: replicas %v..%d, want from %d up", h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas, w.Replicas))
			}
		}
		if hpas != 1 {
			errs = append(errs, fmt.Errorf("Deployment %s: %d HorizontalPodAutoscalers, want 1", w.Name, hpas))
		}
	}
	return errors.Join(errs...)
}
