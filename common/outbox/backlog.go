package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var (
	backlogDesc = prometheus.NewDesc("outbox_pending_events",
		"Events written but not yet acked by the broker, by database and collection.", []string{"database", "collection"}, nil)
	ageDesc = prometheus.NewDesc("outbox_oldest_event_age_seconds",
		"Age of the oldest event waiting in the outbox, by database and collection (0: none waits).", []string{"database", "collection"}, nil)
)

// Backlog returns a Prometheus collector of the outbox of every collection
// of db, read when scraped: how many events wait and how old the oldest is.
// A scrape that cannot read db within 2 s reports nothing for it.
func Backlog(db *mongo.Database) prometheus.Collector { return backlog{db} }

type backlog struct{ db *mongo.Database }

// Describe describes nothing: an unchecked collector, so that the backlogs
// of several databases (apps in one process) can be registered side by
// side; their series differ by the database label.
func (backlog) Describe(chan<- *prometheus.Desc) {}

func (b backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	names, err := b.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return
	}
	now := time.Now()
	for _, name := range names {
		cur, err := b.db.Collection(name).Find(ctx, bson.D{{Key: Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: Field, Value: 1}}))
		if err != nil {
			continue
		}
		var docs []struct {
			Outbox []Message `bson:"outbox"`
		}
		if cur.All(ctx, &docs) != nil {
			continue
		}
		pending, oldest := 0, now
		for _, d := range docs {
			for _, m := range d.Outbox {
				pending++
				if w := m.Written(); !w.IsZero() && w.Before(oldest) {
					oldest = w
				}
			}
		}
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(pending), b.db.Name(), name)
		ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, now.Sub(oldest).Seconds(), b.db.Name(), name)
	}
}
